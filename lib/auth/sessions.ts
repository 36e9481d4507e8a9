import { randomUUID } from 'node:crypto';
import type { PendingQuery, Row } from 'postgres';
import { db, tx, type Tx } from '../db';
import { notFound, unauthorized } from '../http/problem';
import type { AuthUser } from '../http/route';
import { connectionsOf } from '../realtime/connections';
import { disconnect } from '../realtime/push';
import { voidAccessTokens } from './revocation';
import type { SessionView, SessionsView } from './schemas';
import { ACCESS_TOKEN_TTL, hashOpaqueToken, newOpaqueToken, signAccessToken } from './tokens';
import { findUser, toUser, type UserRow } from './users';

// A session is a refresh-token family: one per login, a row per token
// issued to it. Its id (the family's) is the `sid` of its access tokens.

const REFRESH_TOKEN_TTL = '30 days';
/** How far apart the clocks of the functions that sign tokens and of Postgres may be. */
const CLOCK_SLACK_SECONDS = 5;
/** What a session is shown by; a client may send anything as its User-Agent. */
const USER_AGENT_MAX = 512;

/** Issues an access token and the next refresh token of a session family, a new one unless `familyId` is given. */
export const issue = async (sql: Tx, user: UserRow, { familyId = randomUUID(), userAgent }: { familyId?: string; userAgent?: string | undefined } = {}): Promise<SessionView> => {
  const refresh = newOpaqueToken();
  await sql`
    insert into refresh_tokens (user_id, family_id, token_hash, expires_at, user_agent)
    values (${user.id}, ${familyId}, ${refresh.hash}, now() + ${REFRESH_TOKEN_TTL}::interval, ${userAgent?.slice(0, USER_AGENT_MAX) ?? null})`;
  return {
    user: toUser(user),
    access_token: await signAccessToken(user.id, familyId),
    refresh_token: refresh.token,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL,
  };
};

type TokenRow = { id: string; family_id: string; user_id: string; spent_at: Date | null; revoked_at: Date | null; expired: boolean };

/**
 * Rotations and revocations of one session take turns: without that, a
 * revocation could miss the token a concurrent rotation is issuing, and that
 * token would outlive a logout or a detected reuse. Several families are
 * locked in one order, so that two revocations never wait on each other.
 */
const lockFamilies = (sql: Tx, where: PendingQuery<Row[]>) =>
  sql<{ family_id: string; user_id: string }[]>`
    select family_id, user_id, pg_advisory_xact_lock(hashtextextended(family_id::text, 0))
    from (select distinct family_id, user_id from refresh_tokens where ${where} order by family_id) families`;

/**
 * Ends the fan's live sessions that `which` selects: their refresh tokens
 * revoked, and once committed their access tokens void and their WebSocket
 * connections closed. With `all`, every access token the fan holds is void,
 * those issued before sessions had ids too. Answers the sessions ended.
 */
const end = async (sql: Tx, userId: string, which: PendingQuery<Row[]>, all = false): Promise<string[]> => {
  const ids = (await lockFamilies(sql, sql`user_id = ${userId} and revoked_at is null and ${which}`)).map((f) => f.family_id);
  if (ids.length > 0) await sql`update refresh_tokens set revoked_at = now() where family_id = any(${ids}::uuid[]) and revoked_at is null`;
  let after: number | undefined;
  if (all) {
    // A few seconds early: a login just after, signed on a clock a little behind this one, must not be void.
    // What this cutoff misses in those seconds is void by its session's id, ended above.
    const [row] = await sql<{ after: number }[]>`
      update users set sessions_valid_after = now() - make_interval(secs => ${CLOCK_SLACK_SECONDS}) where id = ${userId}
      returning floor(extract(epoch from sessions_valid_after))::bigint as after`;
    after = row?.after;
  }
  if (ids.length > 0 || after !== undefined) {
    const connections = await connectionsOf(sql, userId, ids, all);
    sql.afterCommit(async () => {
      await voidAccessTokens(userId, ids, after);
      await disconnect(connections);
    });
  }
  return ids;
};

/**
 * The one way sessions end, for whatever ends them (a password change or
 * reset, an account's deletion): every session of the fan and every access
 * token they hold, or with `keep`, all sessions but that one. Refresh tokens
 * are revoked in `sql`; after its commit the access tokens are void at once
 * and the WebSocket connections closed. Answers the sessions ended.
 */
export const endSessions = (sql: Tx, userId: string, { keep }: { keep?: string } = {}): Promise<string[]> =>
  end(sql, userId, keep ? sql`family_id <> ${keep}` : sql`true`, keep === undefined);

/**
 * The session a request comes from, for what ends the others. An access
 * token issued before sessions had ids names none: its fan refreshes it
 * (the next one names its session) rather than have "the others" be all.
 */
export const currentSession = (user: AuthUser): string => {
  if (!user.sessionId) throw unauthorized('This access token names no session; refresh it and try again.', 'session-unknown');
  return user.sessionId;
};

/**
 * Spends a refresh token for a new pair. A token presented a second time
 * means it leaked: the whole family is ended, and that is committed even
 * though the request is refused.
 */
export const refresh = async (token: string, userAgent?: string): Promise<SessionView> => {
  const hash = hashOpaqueToken(token);
  const outcome = await tx(async (sql) => {
    if ((await lockFamilies(sql, sql`token_hash = ${hash}`)).length === 0) return undefined;
    const [row] = await sql<TokenRow[]>`
      select id, family_id, user_id, spent_at, revoked_at, expires_at < now() as expired
      from refresh_tokens where token_hash = ${hash}`;
    if (!row || row.revoked_at || row.expired) return undefined;
    if (row.spent_at) {
      await end(sql, row.user_id, sql`family_id = ${row.family_id}`);
      return undefined;
    }
    await sql`update refresh_tokens set spent_at = now() where id = ${row.id}`;
    const user = await findUser(sql, row.user_id);
    return user ? issue(sql, user, { familyId: row.family_id, userAgent }) : undefined;
  });
  if (!outcome) throw unauthorized('The refresh token is invalid, expired or already used; log in again.');
  return outcome;
};

/** Ends the session the refresh token belongs to. Unknown tokens end nothing, silently. */
export const logout = (token: string): Promise<void> =>
  tx(async (sql) => {
    const [family] = await lockFamilies(sql, sql`token_hash = ${hashOpaqueToken(token)}`);
    if (family) await end(sql, family.user_id, sql`family_id = ${family.family_id}`);
  });

/** A fan who scripts logins could have thousands; the list shows the most recent. */
const LISTED_MAX = 100;

/**
 * The fan's live sessions, most recently used first: created at login, used
 * at each refresh (an access token's own use is not recorded: that would be
 * a write per request), with the User-Agent of that last use.
 */
export const listSessions = async (userId: string, current: string | undefined): Promise<SessionsView> => {
  const sql = db();
  const rows = await sql<{ id: string; created_at: Date; last_used_at: Date; user_agent: string | null }[]>`
    select family_id as id, min(created_at) as created_at, max(created_at) as last_used_at,
      (array_agg(user_agent order by created_at desc))[1] as user_agent
    from refresh_tokens
    where family_id in (
      select family_id from refresh_tokens
      where user_id = ${userId} and revoked_at is null and spent_at is null and expires_at > now())
    group by family_id
    order by last_used_at desc, id
    limit ${LISTED_MAX}`;
  return {
    sessions: rows.map((r) => ({
      id: r.id,
      created_at: r.created_at.toISOString(),
      last_used_at: r.last_used_at.toISOString(),
      user_agent: r.user_agent,
      current: r.id === current,
    })),
  };
};

/** Ends one of the fan's sessions, the current one too; another fan's, or one already ended, is not found. */
export const endSession = (userId: string, sessionId: string): Promise<void> =>
  tx(async (sql) => {
    if ((await end(sql, userId, sql`family_id = ${sessionId}`)).length === 0) throw notFound('You have no such session.');
  });

/** Ends every session of the fan but the one this request comes from. */
export const endOtherSessions = (user: AuthUser): Promise<void> =>
  tx(async (sql) => {
    await endSessions(sql, user.id, { keep: currentSession(user) });
  });
