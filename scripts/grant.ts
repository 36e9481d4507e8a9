/**
 * `npm run grant -- <email> <club> <role>`: gives a fan a role in a club
 * from the command line, as an operator with access to the database does
 * for a club's first admin (who grants the others through the API). The
 * database is DATABASE_URL, else `npm run dev`'s embedded one; the grant is
 * in the club's audit trail with no actor, in the role `operator`.
 */
import { hostname, userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { closeDb, tx } from '../lib/db';
import { ProblemError } from '../lib/http/problem';
import { clubTarget } from '../lib/staff/access';
import { record } from '../lib/staff/audit';
import { grantRole } from '../lib/staff/roles';
import { GrantBody } from '../lib/staff/schemas';
import { localDatabase } from './local-services';

export const grantFromCommandLine = async (email: string, club: string, role: string): Promise<string> => {
  const input = GrantBody.parse({ user: email, role });
  return tx(async (sql) => {
    if (!(await clubTarget(sql, club, true))) throw new Error(`No club ${club}; the clubs are: ${(await sql<{ id: string }[]>`select id from clubs order by id`).map((c) => c.id).join(', ')}`);
    const granted = await grantRole(sql, club, input, null);
    await record(sql, {
      club,
      actor: null,
      role: 'operator',
      action: 'role.grant',
      object: granted.id!,
      before: granted.before,
      after: granted.after,
      requestId: `cli:${userInfo().username}@${hostname()}`,
    });
    return granted.status === 201 ? `${email} is now ${role} of ${club}` : `${email} already was ${role} of ${club}`;
  });
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [email, club, role] = process.argv.slice(2);
  if (!email || !club || !role) {
    console.error('Usage: npm run grant -- <email> <club> <admin|steward|moderator>');
    process.exit(2);
  }
  const database = await localDatabase('to grant in');
  process.env.DATABASE_URL = database.url;
  try {
    console.log(await grantFromCommandLine(email, club, role));
  } catch (error) {
    console.error(error instanceof ProblemError ? error.detail : (error as Error).message);
    process.exitCode = 1;
  } finally {
    await closeDb();
    await database.stop();
  }
}
