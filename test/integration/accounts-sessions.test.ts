/**
 * Sessions a fan can list and end, password change and password reset
 * (issue 27): an ended session's access token is refused at once, not when
 * it expires, and stays refused through a Redis outage.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as login } from '../../functions/auth/login';
import { handler as logout } from '../../functions/auth/logout';
import { handler as me } from '../../functions/auth/me';
import { handler as changePassword } from '../../functions/auth/password-change';
import { handler as requestReset } from '../../functions/auth/password-reset';
import { handler as confirmReset } from '../../functions/auth/password-reset-confirm';
import { handler as refresh } from '../../functions/auth/refresh';
import { handler as endSession } from '../../functions/auth/session-end';
import { handler as endOthers } from '../../functions/auth/sessions-end-others';
import { handler as listSessions } from '../../functions/auth/sessions-list';
import { MIRROR_SINCE, mirrorVoids } from '../../lib/auth/revocation';
import { endSessions } from '../../lib/auth/sessions';
import { ACCESS_TOKEN_TTL, AUDIENCE, ISSUER, readAccessToken, signAccessToken } from '../../lib/auth/tokens';
import { RESET_ANSWER_MS } from '../../lib/auth/reset';
import { db, tx } from '../../lib/db';
import { openConnection } from '../../lib/realtime/connections';
import { redis, resetRedis } from '../../lib/redis';
import { newFan, uniqueEmail, type Fan } from '../support/fans';
import { invoke, randomIp } from '../support/http';
import { managementApi, type ManagementApi } from '../support/management-api';

/** Nothing listens on port 1. */
const CLOSED_REDIS = 'http://127.0.0.1:1';

let ws: ManagementApi;
beforeAll(async () => {
  ws = await managementApi();
  // Redis has held every void for longer than a token lives: what it says is trusted (a fresh one is not; see below).
  await redis()!.set(MIRROR_SINCE, 0);
});
afterAll(() => ws.close());

/** This process's Redis client now reaches nothing; the next test's gets the real one again. */
const redisOut = () => {
  vi.stubEnv('UPSTASH_REDIS_REST_URL', CLOSED_REDIS);
  resetRedis();
};
afterEach(() => {
  vi.unstubAllEnvs();
  resetRedis();
});

type Tokens = { token: string; refresh: string };

const signIn = async (fan: Pick<Fan, 'email' | 'password'>, userAgent = 'vitest'): Promise<Tokens> => {
  const res = await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password }, headers: { 'user-agent': userAgent }, ip: randomIp() });
  expect(res.status).toBe(200);
  return { token: res.body.access_token, refresh: res.body.refresh_token };
};

const meWith = async (token: string) => (await invoke(me, { path: '/api/auth/me', token })).status;
const refreshWith = async (refreshToken: string) => (await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: refreshToken } })).status;
const sessionsOf = async (token: string) => {
  const res = await invoke(listSessions, { path: '/api/auth/sessions', token });
  expect(res.status).toBe(200);
  return res.body.sessions as { id: string; created_at: string; last_used_at: string; user_agent: string | null; current: boolean }[];
};
const sidOf = async (token: string) => (await readAccessToken(token)).user.sessionId!;
/** A WebSocket connection opened with the token, reached at the stand-in management API. */
const connect = async (token: string) => {
  const id = `alive-${randomUUID()}`;
  await openConnection({ id, endpoint: ws.endpoint }, token);
  return id;
};

const askReset = (email: string, ip = randomIp()) => invoke(requestReset, { path: '/api/auth/password-reset', body: { email }, ip });
const confirm = (token: string, password: string) =>
  invoke(confirmReset, { path: '/api/auth/password-reset/confirm', body: { token, password }, ip: randomIp() });

/** The token of the newest reset link mailed to the address, read from the outbox. */
const mailedToken = async (email: string): Promise<string> => {
  const [mail] = await db()<{ text: string }[]>`select text from outbox where to_address = ${email} order by created_at desc limit 1`;
  const link = /https?:\/\/\S+\/reset-password\?token=[\w-]+/.exec(mail?.text ?? '')?.[0];
  expect(link, mail?.text).toBeDefined();
  return new URL(link!).searchParams.get('token')!;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('password reset', () => {
  it('mails a link whose token sets a new password and ends every session: refresh, access and WebSocket', async () => {
    const fan = await newFan();
    const phone = await signIn(fan, 'Phone');
    const socket = await connect(phone.token);
    const asked = await askReset(fan.email.toUpperCase());
    expect(asked.status).toBe(202);
    const token = await mailedToken(fan.email);
    expect((await confirm(token, 'a brand new password')).status).toBe(204);
    // Both sessions, at once: no access token outlives the reset by its 15 minutes.
    for (const s of [fan, phone]) {
      expect(await meWith(s.token)).toBe(401);
      expect(await refreshWith(s.refresh)).toBe(401);
    }
    expect(ws.closed.has(socket)).toBe(true);
    expect(await db()`select 1 from ws_connections where connection_id = ${socket}`).toHaveLength(0);
    await expect(connect(phone.token)).rejects.toMatchObject({ status: 401 });
    // The old password is gone, the new one signs in, and the new session works.
    expect((await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password } })).status).toBe(401);
    const fresh = await signIn({ email: fan.email, password: 'a brand new password' });
    expect(await meWith(fresh.token)).toBe(200);
  });

  it('voids the tokens from before sessions had ids too, through Redis and through Postgres', async () => {
    const fan = await newFan();
    const now = Math.floor(Date.now() / 1000);
    const legacy = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(fan.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now - 60)
      .setExpirationTime(now + 840)
      .sign(new TextEncoder().encode(process.env.JWT_SECRET));
    expect(await meWith(legacy)).toBe(200);
    await askReset(fan.email);
    expect((await confirm(await mailedToken(fan.email), 'a brand new password')).status).toBe(204);
    expect(await meWith(legacy)).toBe(401);
    redisOut();
    expect(await meWith(legacy)).toBe(401);
  });

  it('answers an unknown email exactly as a known one, in a similar time', async () => {
    const fan = await newFan();
    const known: number[] = [];
    const unknown: number[] = [];
    const bodies = new Set<string>();
    // Alternated, so that a slower moment of the machine falls on both; 5 is the per-email limit.
    for (let i = 0; i < 5; i++) {
      for (const [email, times] of [[fan.email, known], [uniqueEmail('nobody'), unknown]] as const) {
        const started = performance.now();
        const res = await askReset(email);
        times.push(performance.now() - started);
        expect(res.status).toBe(202);
        bodies.add(res.raw);
      }
    }
    expect(bodies.size).toBe(1);
    expect(Math.min(median(known), median(unknown))).toBeGreaterThanOrEqual(RESET_ANSWER_MS - 5);
    // Without the padding the known email's answer would take longer by the token and the mail it sends.
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(RESET_ANSWER_MS / 4);
    expect(await db()`select 1 from outbox where to_address = ${fan.email} and subject like '%password%'`).toHaveLength(5);
  });

  it('refuses a token used twice, an expired one, an unknown one and one of another purpose, each by name', async () => {
    const fan = await newFan();
    await askReset(fan.email);
    const token = await mailedToken(fan.email);
    expect((await confirm(token, 'first new password')).status).toBe(204);
    const twice = await confirm(token, 'second new password');
    expect(twice.status).toBe(410);
    expect(twice.body.type).toBe('/problems/reset-token-used');

    const other = await newFan();
    await askReset(other.email);
    const stale = await mailedToken(other.email);
    await db()`update email_tokens set expires_at = now() - interval '1 second' where user_id = ${other.id}`;
    const expired = await confirm(stale, 'a brand new password');
    expect(expired.status).toBe(410);
    expect(expired.body.type).toBe('/problems/reset-token-expired');

    expect((await confirm('not-a-reset-token', 'a brand new password')).status).toBe(400);
    // A refresh token is our own opaque token too, for another purpose.
    const wrongPurpose = await confirm(other.refresh, 'a brand new password');
    expect(wrongPurpose.status).toBe(400);
    expect(wrongPurpose.body.errors).toEqual([{ path: 'body.token', message: 'Unknown reset token' }]);
    // Nothing was changed by the refusals.
    expect((await invoke(login, { path: '/api/auth/login', body: { email: other.email, password: other.password } })).status).toBe(200);
  });

  it('refuses a new password that is the email, and spends an earlier link when a later one is used', async () => {
    const fan = await newFan();
    await askReset(fan.email);
    const first = await mailedToken(fan.email);
    await askReset(fan.email);
    const second = await mailedToken(fan.email);
    const same = await confirm(second, fan.email);
    expect(same.status).toBe(400);
    expect(same.body.errors[0].path).toBe('body.password');
    expect((await confirm(second, 'a brand new password')).status).toBe(204);
    expect((await confirm(first, 'yet another password')).status).toBe(410);
  });

  it('limits requests per email, whoever asks', async () => {
    const email = uniqueEmail('flooded');
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await askReset(email)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});

describe('sessions', () => {
  it('lists the live sessions with their user agent; ending one refuses its access token at once, the others go on', async () => {
    const fan = await newFan();
    const phone = await signIn(fan, 'PaieCashFan/3.1 (iPhone)');
    const laptop = await signIn(fan, 'Firefox');
    const listed = await sessionsOf(fan.token);
    expect(listed).toHaveLength(3);
    expect(listed.filter((s) => s.current).map((s) => s.id)).toEqual([await sidOf(fan.token)]);
    expect(listed.map((s) => s.user_agent)).toEqual(expect.arrayContaining(['PaieCashFan/3.1 (iPhone)', 'Firefox', 'vitest']));
    const phoneId = await sidOf(phone.token);
    const phoneSocket = await connect(phone.token);
    const laptopSocket = await connect(laptop.token);

    expect((await invoke(endSession, { method: 'DELETE', path: `/api/auth/sessions/${phoneId}`, params: { id: phoneId }, token: fan.token })).status).toBe(204);
    expect(await meWith(phone.token)).toBe(401);
    expect(await refreshWith(phone.refresh)).toBe(401);
    expect(ws.closed.has(phoneSocket)).toBe(true);
    expect(ws.closed.has(laptopSocket)).toBe(false);
    expect(await meWith(fan.token)).toBe(200);
    expect(await meWith(laptop.token)).toBe(200);
    expect((await sessionsOf(fan.token)).map((s) => s.id)).not.toContain(phoneId);

    // A refresh is a use: the session moves up, under the User-Agent that refreshed it.
    const rotated = await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: laptop.refresh }, headers: { 'user-agent': 'Firefox 2' } });
    expect(rotated.status).toBe(200);
    const [newest] = await sessionsOf(fan.token);
    expect(newest).toMatchObject({ id: await sidOf(laptop.token), user_agent: 'Firefox 2', current: false });
    expect(await sidOf(rotated.body.access_token)).toBe(newest!.id);
  });

  it("answers 404 for another fan's session, or one already ended, and ends nothing", async () => {
    const fan = await newFan();
    const stranger = await newFan();
    const theirs = await sidOf(stranger.token);
    for (const id of [theirs, randomUUID()]) {
      const res = await invoke(endSession, { method: 'DELETE', path: `/api/auth/sessions/${id}`, params: { id }, token: fan.token });
      expect(res.status).toBe(404);
    }
    expect(await meWith(stranger.token)).toBe(200);
    const mine = await sidOf(fan.token);
    expect((await invoke(endSession, { method: 'DELETE', path: `/api/auth/sessions/${mine}`, params: { id: mine }, token: (await signIn(fan)).token })).status).toBe(204);
    const again = await signIn(fan);
    expect((await invoke(endSession, { method: 'DELETE', path: `/api/auth/sessions/${mine}`, params: { id: mine }, token: again.token })).status).toBe(404);
  });

  it('ends every other session, keeping the current one', async () => {
    const fan = await newFan();
    const others = [await signIn(fan), await signIn(fan)];
    expect((await invoke(endOthers, { method: 'DELETE', path: '/api/auth/sessions', token: fan.token })).status).toBe(204);
    for (const s of others) {
      expect(await meWith(s.token)).toBe(401);
      expect(await refreshWith(s.refresh)).toBe(401);
    }
    expect(await meWith(fan.token)).toBe(200);
    expect(await refreshWith(fan.refresh)).toBe(200);
    expect(await sessionsOf((await signIn(fan)).token)).toHaveLength(2);
  });

  it('a token from before sessions had ids must be refreshed before it ends the others or changes the password', async () => {
    const fan = await newFan();
    const legacy = await signAccessToken(fan.id);
    const ending = await invoke(endOthers, { method: 'DELETE', path: '/api/auth/sessions', token: legacy });
    expect(ending.status).toBe(401);
    expect(ending.body.type).toBe('/problems/session-unknown');
    const changing = await invoke(changePassword, { path: '/api/auth/password', token: legacy, body: { current_password: fan.password, new_password: 'my second password' } });
    expect(changing.status).toBe(401);
    expect(await meWith(fan.token)).toBe(200);
    expect(await meWith(legacy)).toBe(200);
    expect((await sessionsOf(legacy)).every((s) => !s.current)).toBe(true);
  });

  it('logout, and a reused refresh token, void the access token at once too', async () => {
    const fan = await newFan();
    const other = await signIn(fan);
    await invoke(logout, { path: '/api/auth/logout', body: { refresh_token: other.refresh } });
    expect(await meWith(other.token)).toBe(401);
    const rotated = await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: fan.refresh } });
    expect(await refreshWith(fan.refresh)).toBe(401);
    expect(await meWith(rotated.body.access_token)).toBe(401);
  });
});

describe('endSessions, the primitive', () => {
  it("closes the connections it read even when the same transaction deletes their rows (an account's deletion)", async () => {
    const fan = await newFan();
    const other = await signIn(fan);
    const sockets = [await connect(fan.token), await connect(other.token)];
    const ended = await tx(async (sql) => {
      const ids = await endSessions(sql, fan.id);
      await sql`delete from ws_connections where user_id = ${fan.id}`;
      return ids;
    });
    expect(ended.sort()).toEqual([await sidOf(fan.token), await sidOf(other.token)].sort());
    for (const socket of sockets) expect(ws.closed.has(socket)).toBe(true);
    expect(await meWith(fan.token)).toBe(401);
    expect(await meWith(other.token)).toBe(401);
  });
});

describe('password change', () => {
  it('ends the other sessions and keeps this one; the old password no longer signs in', async () => {
    const fan = await newFan();
    const other = await signIn(fan);
    const res = await invoke(changePassword, { path: '/api/auth/password', token: fan.token, body: { current_password: fan.password, new_password: 'my second password' } });
    expect(res.status).toBe(204);
    expect(await meWith(other.token)).toBe(401);
    expect(await refreshWith(other.refresh)).toBe(401);
    expect(await meWith(fan.token)).toBe(200);
    expect(await refreshWith(fan.refresh)).toBe(200);
    expect((await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password } })).status).toBe(401);
    await signIn({ email: fan.email, password: 'my second password' });
  });

  it('a login whose password changes while it signs in gets no session', async () => {
    const fan = await newFan();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // A password change under way: the row locked as its update locks it, until the new hash commits.
    const change = db().begin(async (sql) => {
      await sql`select 1 from users where id = ${fan.id} for no key update`;
      locked();
      await held;
      await sql`update users set password = 'changed meanwhile' where id = ${fan.id}`;
    });
    await isLocked;
    let answered = false;
    const signingIn = invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password } }).finally(() => (answered = true));
    // Until the login waits on the change (or, were it not to wait, has answered).
    for (let waiting = 0; waiting < 1 && !answered; ) {
      [{ waiting }] = (await db()`
        select count(*)::int as waiting from pg_stat_activity
        where wait_event_type = 'Lock' and query like '%for share%'`) as unknown as [{ waiting: number }];
    }
    release();
    await change;
    expect((await signingIn).status).toBe(401);
    expect(await db()`select 1 from refresh_tokens where user_id = ${fan.id} and revoked_at is null and spent_at is null`).toHaveLength(1);
  });

  it('refuses a wrong current password with 403, then 429 after 5, and the rules of registration', async () => {
    const fan = await newFan();
    const attempt = (current: string, next = 'my second password') =>
      invoke(changePassword, { path: '/api/auth/password', token: fan.token, body: { current_password: current, new_password: next } });
    expect((await attempt(fan.password, 'short')).status).toBe(400);
    const email = await attempt(fan.password, fan.email);
    expect(email.status).toBe(400);
    expect(email.body.errors[0].path).toBe('body.new_password');
    const wrong = await attempt('not my password');
    expect(wrong.status).toBe(403);
    expect(wrong.body.type).toBe('/problems/wrong-password');
    for (let i = 0; i < 4; i++) expect((await attempt('not my password')).status).toBe(403);
    expect((await attempt(fan.password)).status).toBe(429);
    expect(await meWith(fan.token)).toBe(200);
  });
});

describe('with Redis out', () => {
  it('an ended session stays ended, read from Postgres; the others still work', async () => {
    const fan = await newFan();
    const ended = await signIn(fan);
    const endedId = await sidOf(ended.token);
    expect((await invoke(endSession, { method: 'DELETE', path: `/api/auth/sessions/${endedId}`, params: { id: endedId }, token: fan.token })).status).toBe(204);
    redisOut();
    expect(await meWith(ended.token)).toBe(401);
    expect(await meWith(fan.token)).toBe(200);
    // Ended while Redis is out: Postgres has it.
    const other = await signIn(fan);
    const otherId = await sidOf(other.token);
    expect((await invoke(endSession, { method: 'DELETE', path: `/api/auth/sessions/${otherId}`, params: { id: otherId }, token: fan.token })).status).toBe(204);
    expect(await meWith(other.token)).toBe(401);
  });

  it('a reset made while Redis is out holds for every token', async () => {
    const fan = await newFan();
    const other = await signIn(fan);
    await askReset(fan.email);
    const token = await mailedToken(fan.email);
    redisOut();
    expect((await confirm(token, 'a brand new password')).status).toBe(204);
    expect(await meWith(fan.token)).toBe(401);
    expect(await meWith(other.token)).toBe(401);
  });

  it('a session ended while Redis was out is copied to Redis by the minute job once Redis is back', async () => {
    const fan = await newFan();
    const other = await signIn(fan);
    const otherId = await sidOf(other.token);
    redisOut();
    expect((await invoke(endSession, { method: 'DELETE', path: `/api/auth/sessions/${otherId}`, params: { id: otherId }, token: fan.token })).status).toBe(204);
    vi.unstubAllEnvs();
    resetRedis();
    expect(await redis()!.get(`session:${otherId}:ended`)).toBeNull();
    expect(await mirrorVoids()).toMatchObject({ sessions: expect.any(Number) });
    expect(await redis()!.ttl(`session:${otherId}:ended`)).toBeGreaterThan(ACCESS_TOKEN_TTL - 60);
    expect(await meWith(other.token)).toBe(401);
    expect(await meWith(fan.token)).toBe(200);
  });

  it('a Redis that lost its data is not trusted until the job has copied the voids back', async () => {
    const fan = await newFan();
    const ended = await signIn(fan);
    const endedId = await sidOf(ended.token);
    expect((await invoke(endSession, { method: 'DELETE', path: `/api/auth/sessions/${endedId}`, params: { id: endedId }, token: fan.token })).status).toBe(204);
    // A restart without persistence, as far as these keys go.
    const client = redis()!;
    await client.del(`session:${endedId}:ended`, MIRROR_SINCE);
    try {
      expect(await meWith(ended.token)).toBe(401);
      expect(await meWith(fan.token)).toBe(200);
      // Marked by the first request that found it missing: Redis vouches for what it receives from now on.
      expect(Number(await client.get(MIRROR_SINCE))).toBeGreaterThan(Date.now() / 1000 - 60);
      await mirrorVoids();
      expect(await client.get(`session:${endedId}:ended`)).not.toBeNull();
      expect(Number(await client.get(MIRROR_SINCE))).toBeLessThanOrEqual(Date.now() / 1000 - ACCESS_TOKEN_TTL);
      expect(await meWith(ended.token)).toBe(401);
    } finally {
      await client.set(MIRROR_SINCE, 0);
    }
  });
});
