import { tx, type Tx } from '../db';
import { unauthorized } from '../http/problem';
import type { SessionView } from './schemas';
import { ACCESS_TOKEN_TTL, hashRefreshToken, newRefreshToken, signAccessToken } from './tokens';
import { findUser, toUser, type UserRow } from './users';

const REFRESH_TOKEN_TTL = '30 days';

/** Issues an access token and the next refresh token of a session family. */
export const issue = async (sql: Tx, user: UserRow, familyId?: string): Promise<SessionView> => {
  const refresh = newRefreshToken();
  await sql`
    insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
    values (${user.id}, ${familyId ?? sql`gen_random_uuid()`}, ${refresh.hash}, now() + ${REFRESH_TOKEN_TTL}::interval)`;
  return {
    user: toUser(user),
    access_token: await signAccessToken(user.id),
    refresh_token: refresh.token,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL,
  };
};

type TokenRow = { id: string; family_id: string; user_id: string; spent_at: Date | null; revoked_at: Date | null; expired: boolean };

/**
 * Rotations and revocations of one session take turns: without that, a
 * revocation could miss the token a concurrent rotation is issuing, and that
 * token would outlive a logout or a detected reuse.
 */
const lockFamily = async (sql: Tx, hash: Buffer): Promise<string | undefined> => {
  const [row] = await sql<{ family_id: string }[]>`
    select family_id, pg_advisory_xact_lock(hashtextextended(family_id::text, 0))
    from refresh_tokens where token_hash = ${hash}`;
  return row?.family_id;
};

const revokeFamily = (sql: Tx, familyId: string) =>
  sql`update refresh_tokens set revoked_at = now() where family_id = ${familyId} and revoked_at is null`;

/**
 * Spends a refresh token for a new pair. A token presented a second time
 * means it leaked: the whole family is revoked, and that revocation is
 * committed even though the request is refused.
 */
export const refresh = async (token: string): Promise<SessionView> => {
  const hash = hashRefreshToken(token);
  const outcome = await tx(async (sql) => {
    if (!(await lockFamily(sql, hash))) return undefined;
    const [row] = await sql<TokenRow[]>`
      select id, family_id, user_id, spent_at, revoked_at, expires_at < now() as expired
      from refresh_tokens where token_hash = ${hash}`;
    if (!row || row.revoked_at || row.expired) return undefined;
    if (row.spent_at) {
      await revokeFamily(sql, row.family_id);
      return undefined;
    }
    await sql`update refresh_tokens set spent_at = now() where id = ${row.id}`;
    const user = await findUser(sql, row.user_id);
    return user ? issue(sql, user, row.family_id) : undefined;
  });
  if (!outcome) throw unauthorized('The refresh token is invalid, expired or already used; log in again.');
  return outcome;
};

/** Ends the session the refresh token belongs to. Unknown tokens end nothing, silently. */
export const logout = (token: string): Promise<void> =>
  tx(async (sql) => {
    const familyId = await lockFamily(sql, hashRefreshToken(token));
    if (familyId) await revokeFamily(sql, familyId);
  });
