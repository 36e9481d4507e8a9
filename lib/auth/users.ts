import { cached, feedPages, invalidate, keys } from '../cache';
import { db, pgCode, tx, type Sql, type Tx } from '../db';
import { accountGone, badRequest, conflict } from '../http/problem';
import type { UpdateMeInput, UserView } from './schemas';

export type UserRow = {
  id: string;
  email: string;
  name: string;
  club_id: string | null;
  created_at: Date;
  updated_at: Date;
};

/** What a UserRow is read from: every query that answers a fan uses it. */
export const USER_COLUMNS = ['id', 'email', 'name', 'club_id', 'created_at', 'updated_at'];

export const findUser = async (sql: Sql | Tx, id: string): Promise<UserRow | undefined> =>
  (await sql<UserRow[]>`select ${sql(USER_COLUMNS)} from users where id = ${id} and deleted_at is null`)[0];

export const toUser = (row: UserRow): UserView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  club_id: row.club_id,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/** Unique email and an existing club, answered as the client's mistakes. */
export const userConstraintProblem = (error: unknown): Error => {
  const code = pgCode(error);
  const constraint = (error as { constraint_name?: string }).constraint_name;
  if (code === '23505' && constraint === 'users_email_key') {
    return conflict('email-taken', 'An account with this email already exists.');
  }
  if (code === '23503' && constraint === 'users_club_id_fkey') {
    return badRequest('Unknown club.', [{ path: 'body.club_id', message: 'No club has this id' }]);
  }
  return error as Error;
};

export const getMe = (userId: string): Promise<UserView> =>
  cached(keys.user(userId), async () => {
    const row = await findUser(db(), userId);
    if (!row) throw accountGone();
    return toUser(row);
  });

export const updateMe = async (userId: string, input: UpdateMeInput): Promise<UserView> => {
  try {
    return await tx(async (sql) => {
      const [row] = await sql<UserRow[]>`
        update users set
          name = coalesce(${input.name ?? null}, name),
          club_id = ${input.club_id === undefined ? sql`club_id` : input.club_id},
          updated_at = now()
        where id = ${userId} and deleted_at is null
        returning ${sql(USER_COLUMNS)}`;
      if (!row) throw accountGone();
      // A new club is a new feed.
      sql.afterCommit(() => invalidate(keys.user(userId), ...feedPages(userId)));
      return toUser(row);
    });
  } catch (error) {
    throw userConstraintProblem(error);
  }
};
