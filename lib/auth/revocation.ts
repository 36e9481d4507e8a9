import { db } from '../db';
import { unauthorized } from '../http/problem';
import type { AuthUser } from '../http/route';
import { logger } from '../log';
import { redis } from '../redis';
import { ACCESS_TOKEN_TTL, readAccessToken, type AccessToken } from './tokens';

/*
 * Ending a session must stop its access token at once, not when it expires.
 * Postgres holds what was ended (`refresh_tokens.revoked_at` per session,
 * `users.sessions_valid_after` per fan); Redis holds a copy of every such
 * void for as long as a token it concerns can live, which is what each
 * request reads: one MGET, in the one round trip the check costs.
 *
 * Redis may not answer, or may have lost its data (a restart without
 * persistence, a flush). Neither may bring an ended session back, so
 * neither fails open: a request Redis does not answer reads Postgres, and
 * so does one that finds Redis has held the voids for less than a token's
 * lifetime (`MIRROR_SINCE`, which Redis loses with the rest), until
 * `mirrorVoids` has copied them all again. A void whose copy failed is in
 * Postgres only until that copy, within a minute.
 */

/** A void outlives every token it concerns: their lifetime and the clock tolerance of ./tokens. */
const VOID_TTL = ACCESS_TOKEN_TTL + 10;
const ended = (sessionId: string) => `session:${sessionId}:ended`;
const cutoff = (userId: string) => `user:${userId}:sessions-after`;
/** Since when (seconds) Redis has received every void: no TTL, so it goes only with the data it vouches for. */
export const MIRROR_SINCE = 'sessions:voids-since';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Undefined when Redis cannot tell: it did not answer, or it may miss a void made before it lost its data. */
const voidInRedis = async ({ user, issuedAt }: AccessToken): Promise<boolean | undefined> => {
  const client = redis();
  if (!client) return undefined;
  try {
    const [since, after, endedAt = null] = await client.mget<unknown[]>(MIRROR_SINCE, cutoff(user.id), ...(user.sessionId ? [ended(user.sessionId)] : []));
    if (endedAt !== null || (after !== null && issuedAt < Number(after))) return true;
    if (since !== null && Number(since) <= nowSeconds() - VOID_TTL) return false;
    if (since === null) await client.set(MIRROR_SINCE, nowSeconds(), { nx: true });
    return undefined;
  } catch (error) {
    logger.warn('session voids unreadable in Redis, reading Postgres', { error: String(error) });
    return undefined;
  }
};

const voidInPostgres = async ({ user, issuedAt }: AccessToken): Promise<boolean> => {
  const [row] = await db()<{ void: boolean }[]>`
    select exists (
        select 1 from refresh_tokens
        where family_id = ${user.sessionId ?? null} and user_id = ${user.id} and revoked_at is not null)
      or coalesce((select ${issuedAt} < floor(extract(epoch from sessions_valid_after)) from users where id = ${user.id}), false)
      as void`;
  return row!.void;
};

/** An access token valid and not void: its session not ended, nor all its fan's sessions since it was issued. */
export const readLiveAccessToken = async (token: string): Promise<AccessToken> => {
  const read = await readAccessToken(token);
  if ((await voidInRedis(read)) ?? (await voidInPostgres(read))) throw unauthorized('This session has ended; log in again.', 'session-ended');
  return read;
};

export const verifyLiveAccessToken = async (token: string): Promise<AuthUser> => (await readLiveAccessToken(token)).user;

type Pipeline = ReturnType<NonNullable<ReturnType<typeof redis>>['pipeline']>;

const writeVoids = (pipe: Pipeline, userId: string, sessionIds: string[], after: number | undefined, ttl = VOID_TTL) => {
  for (const id of sessionIds) pipe.set(ended(id), 1, { ex: ttl });
  if (after !== undefined) pipe.set(cutoff(userId), after, { ex: ttl });
};

/**
 * Copies committed voids to Redis: these sessions' access tokens, and with
 * `after` (seconds) every token of the fan issued before it. Tried twice,
 * never throws: the voids are in Postgres, which any request Redis does not
 * answer reads, and from which `mirrorVoids` copies them within a minute,
 * should Redis answer readers again before it answers writers.
 */
export const voidAccessTokens = async (userId: string, sessionIds: string[], after?: number): Promise<void> => {
  const client = redis();
  if (!client || (sessionIds.length === 0 && after === undefined)) return;
  for (let attempt = 1; ; attempt++) {
    try {
      const pipe = client.pipeline();
      writeVoids(pipe, userId, sessionIds, after);
      await pipe.exec();
      return;
    } catch (error) {
      if (attempt < 2) continue;
      logger.error('session voids not copied to Redis; Postgres has them', { user_id: userId, sessions: sessionIds, error: String(error) });
      return;
    }
  }
};

// Moves the mark back, never forward: a later mark would only cost reads of Postgres, an earlier one is what the copy earned.
const VOUCH = `local v = redis.call('get', KEYS[1]) if not v or tonumber(v) > tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) end return 0`;

/**
 * Every minute (a scheduled job): copies to Redis every void Postgres holds
 * that a token could still be concerned by, each for the rest of its time.
 * So a void whose copy failed (Redis unreachable from its writer) is in
 * Redis within a minute, and a Redis that lost its data is vouched for again
 * as soon as this copy is done rather than after a whole token lifetime.
 */
export const mirrorVoids = async (): Promise<{ sessions: number; fans: number }> => {
  const client = redis();
  if (!client) return { sessions: 0, fans: 0 };
  const sql = db();
  const sessions = await sql<{ family_id: string; user_id: string; left: number }[]>`
    select family_id, user_id, ceil(${VOID_TTL} - extract(epoch from now() - max(revoked_at)))::int as left
    from refresh_tokens where revoked_at > now() - make_interval(secs => ${VOID_TTL})
    group by family_id, user_id`;
  const fans = await sql<{ id: string; after: number; left: number }[]>`
    select id, floor(extract(epoch from sessions_valid_after))::bigint as after,
      ceil(${VOID_TTL} - extract(epoch from now() - sessions_valid_after))::int as left
    from users where sessions_valid_after > now() - make_interval(secs => ${VOID_TTL})`;
  const pipe = client.pipeline();
  for (const s of sessions) writeVoids(pipe, s.user_id, [s.family_id], undefined, Math.max(1, s.left));
  for (const f of fans) writeVoids(pipe, f.id, [], f.after, Math.max(1, f.left));
  pipe.eval(VOUCH, [MIRROR_SINCE], [String(nowSeconds() - VOID_TTL)]);
  await pipe.exec();
  return { sessions: sessions.length, fans: fans.length };
};
