import { cached, feedPages, invalidate, keys } from '../cache';
import { db, pgCode, type Sql, type Tx } from '../db';
import { accountGone, badRequest, conflict } from '../http/problem';
import type { UpdateMeInput, UserView } from './schemas';

export type UserRow = {
  id: string;
  email: string;
  name: string;
  club_id: string | null;
  email_verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

/** What a UserRow is read from: every query that answers a fan uses it. */
export const USER_COLUMNS = ['id', 'email', 'name', 'club_id', 'email_verified_at', 'created_at', 'updated_at'];

export const findUser = async (sql: Sql | Tx, id: string): Promise<UserRow | undefined> =>
  (await sql<UserRow[]>`select ${sql(USER_COLUMNS)} from users where id = ${id} and deleted_at is null`)[0];

export const toUser = (row: UserRow): UserView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  club_id: row.club_id,
  email_verified: row.email_verified_at !== null,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/** Says nothing of whose account it is. */
export const emailTaken = () => conflict('email-taken', 'An account with this email already exists.');

/** Unique email and an existing club, answered as the client's mistakes. */
export const userConstraintProblem = (error: unknown): Error => {
  const code = pgCode(error);
  const constraint = (error as { constraint_name?: string }).constraint_name;
  if (code === '23505' && constraint === 'users_email_key') return emailTaken();
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

/**
 * Changes name and club in the caller's transaction, the fan's row then
 * locked until it ends; once it commits, what the fan reads next is fresh.
 * Nothing to change only locks the row.
 */
export const updateProfile = async (sql: Tx, userId: string, input: Pick<UpdateMeInput, 'name' | 'club_id'>): Promise<UserRow> => {
  const unchanged = input.name === undefined && input.club_id === undefined;
  const [row] = unchanged
    ? await sql<UserRow[]>`select ${sql(USER_COLUMNS)} from users where id = ${userId} for update`
    : await sql<UserRow[]>`
        update users set
          name = coalesce(${input.name ?? null}, name),
          club_id = ${input.club_id === undefined ? sql`club_id` : input.club_id},
          updated_at = now()
        where id = ${userId} and deleted_at is null
        returning ${sql(USER_COLUMNS)}`;
  if (!row) throw accountGone();
  // A new club is a new feed.
  if (!unchanged) sql.afterCommit(() => invalidate(keys.user(userId), ...feedPages(userId)));
  return row;
};
