import type { Sql, Tx } from '../db';
import { notFound } from '../http/problem';
import type { Role } from './schemas';

/** The role of the staff member's that allows `role` in `club`: that role itself, else admin; undefined without either. */
export const roleIn = async (sql: Sql | Tx, userId: string, club: string, role: Role): Promise<Role | undefined> => {
  const [held] = await sql<{ role: Role }[]>`
    select role from club_roles where user_id = ${userId} and club_id = ${club} and role in (${role}, 'admin')
    order by role = ${role} desc
    limit 1`;
  return held?.role;
};

/**
 * The clubs a back-office list covers: `club` if the staff member holds
 * `role` there, else every club where they do. None is 404, as for an
 * object: the list is not theirs to see.
 */
export const clubsOf = async (sql: Sql, userId: string, role: Role, club?: string): Promise<string[]> => {
  const rows = await sql<{ club_id: string }[]>`
    select distinct club_id from club_roles
    where user_id = ${userId} and role in (${role}, 'admin') ${club ? sql`and club_id = ${club}` : sql``}
    order by club_id`;
  if (rows.length === 0) throw club ? noClubOfYours(club)() : notFound('You hold no role in a club that this list belongs to.');
  return rows.map((r) => r.club_id);
};

/** Answered for a club the staff member holds no role in, as for one that does not exist. */
export const noClubOfYours = (club: string) => () => notFound(`No back office of yours for ${club}.`);

/**
 * A club as the object of a change made in its name (a role, a new match or
 * product); `lock` holds it against a concurrent change of its roles.
 */
export const clubTarget = async (sql: Sql | Tx, club: string, lock = false): Promise<{ club: string; id: string } | undefined> => {
  const [found] = await sql<{ id: string }[]>`select id from clubs where id = ${club} ${lock ? sql`for update` : sql``}`;
  return found && { club: found.id, id: found.id };
};
