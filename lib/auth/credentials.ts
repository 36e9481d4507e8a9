import { db, tx } from '../db';
import { unauthorized } from '../http/problem';
import { clearAttempts, consume, countAttempt } from '../rate-limit';
import { checkPassword, hashPassword } from './passwords';
import type { LoginInput, RegisterInput, SessionView } from './schemas';
import { issue } from './sessions';
import { USER_COLUMNS, userConstraintProblem, type UserRow } from './users';
import { mailFirstLink } from './verification';

// Register and log in: the doors that take a password, and so the ones with
// rate limits. Apart from ./sessions, so that the refresh and logout functions
// carry neither bcrypt nor @upstash/ratelimit.

/**
 * Creates the fan, their empty euro wallet and a first session, together,
 * and mails them a link to verify their email: signing up does not wait
 * for it to be opened, nor fail if it cannot be sent.
 */
export const register = async (input: RegisterInput, ip: string): Promise<SessionView> => {
  await consume('register-ip', ip);
  const password = await hashPassword(input.password);
  try {
    return await tx(async (sql) => {
      const [user] = await sql<UserRow[]>`
        insert into users (email, password, name, club_id)
        values (${input.email}, ${password}, ${input.name}, ${input.club_id ?? null})
        returning ${sql(USER_COLUMNS)}`;
      await sql`insert into wallets (user_id) values (${user!.id})`;
      await mailFirstLink(sql, user!);
      return issue(sql, user!);
    });
  } catch (error) {
    throw userConstraintProblem(error);
  }
};

export const login = async (input: LoginInput, ip: string): Promise<SessionView> => {
  await consume('login-ip', ip);
  await countAttempt('login-email', input.email);
  // The slow hash is checked outside any transaction: no connection waits on it.
  const sql = db();
  const [user] = await sql<(UserRow & { password: string })[]>`
    select ${sql(USER_COLUMNS)}, password from users where email = ${input.email}`;
  if (!(await checkPassword(input.password, user?.password))) throw unauthorized('The email or password is incorrect.', 'invalid-credentials');
  await clearAttempts('login-email', input.email);
  return tx((sql) => issue(sql, user!));
};
