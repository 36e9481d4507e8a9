import { db, type Sql, type Tx } from '../db';
import { conflict, notFound } from '../http/problem';
import type { Reply } from '../http/route';
import { clubsOf, clubTarget, noClubOfYours } from './access';
import { act, type Change, type Staff } from './act';
import type { GrantInput, Role, StaffRoleView } from './schemas';

const fanNotFound = () => notFound('No fan has this email or id.');

type RoleRow = { club_id: string; user_id: string; email: string; name: string; role: Role; granted_at: Date; granted_by: string | null };

const toView = (row: RoleRow): StaffRoleView => ({
  club: row.club_id,
  user: { id: row.user_id, email: row.email, name: row.name },
  role: row.role,
  granted_at: row.granted_at.toISOString(),
  granted_by: row.granted_by,
});

const roleRows = (sql: Sql | Tx, club: string) => sql<RoleRow[]>`
  select r.club_id, r.user_id, u.email, u.name, r.role, r.granted_at, r.granted_by
  from club_roles r join users u on u.id = r.user_id
  where r.club_id = ${club}`;

/** The club's staff, by role then name. */
export const listRoles = async (userId: string, club: string) => {
  const sql = db();
  await clubsOf(sql, userId, 'admin', club);
  const rows = await sql<RoleRow[]>`select * from (${roleRows(sql, club)}) r order by role, name, user_id`;
  return { items: rows.map(toView) };
};

/**
 * Gives a fan (by email or id) a role in a club: 201, or 200 when they
 * already hold it. The change as the audit trail keeps it; shared by the
 * API and by `npm run grant`.
 */
export const grantRole = async (sql: Tx, club: string, input: GrantInput, by: string | null): Promise<Change<StaffRoleView>> => {
  const [fan] = await sql<{ id: string }[]>`select id from users where id::text = ${input.user} or email = ${input.user}`;
  if (!fan) throw fanNotFound();
  const granted = await sql`
    insert into club_roles (user_id, club_id, role, granted_by) values (${fan.id}, ${club}, ${input.role}, ${by})
    on conflict do nothing
    returning 1`;
  const [row] = await sql<RoleRow[]>`select * from (${roleRows(sql, club)}) r where user_id = ${fan.id} and role = ${input.role}`;
  const view = toView(row!);
  return { status: granted.length ? 201 : 200, result: view, before: granted.length ? null : view, after: view, id: `${fan.id}:${input.role}` };
};

export const grant = (staff: Staff, club: string, input: GrantInput): Promise<Reply> =>
  act(staff, {
    role: 'admin',
    action: 'role.grant',
    // Locked, so that two admins revoking each other at once cannot leave the club without one.
    find: (sql) => clubTarget(sql, club, true),
    missing: noClubOfYours(club),
    change: (sql) => grantRole(sql, club, input, staff.userId),
  });

/** Takes a role back; a club's last admin keeps theirs (409), so that no club is left without one. */
export const revoke = async (staff: Staff, club: string, user: string, role: Role): Promise<Reply> => {
  await act(staff, {
    role: 'admin',
    action: 'role.revoke',
    // Locked, so that two admins revoking each other at once cannot leave the club without one.
    find: (sql) => clubTarget(sql, club, true),
    missing: noClubOfYours(club),
    change: async (sql) => {
      const [row] = await sql<RoleRow[]>`select * from (${roleRows(sql, club)}) r where user_id = ${user} and role = ${role}`;
      if (!row) throw notFound('This fan does not hold this role in this club.');
      if (role === 'admin') {
        const [{ admins }] = (await sql`select count(*)::int as admins from club_roles where club_id = ${club} and role = 'admin'`) as unknown as [{ admins: number }];
        if (admins === 1) throw conflict('last-admin', `This is ${club}'s last admin: grant the role to someone else first.`);
      }
      await sql`delete from club_roles where user_id = ${user} and club_id = ${club} and role = ${role}`;
      return { status: 204, result: null, before: toView(row), after: null, id: `${user}:${role}` };
    },
  });
  return { status: 204 };
};
