import { describe, expect, it } from 'vitest';
import { handler as login } from '../../functions/auth/login';
import { handler as logout } from '../../functions/auth/logout';
import { handler as me } from '../../functions/auth/me';
import { handler as refresh } from '../../functions/auth/refresh';
import { handler as register } from '../../functions/auth/register';
import { handler as updateMe } from '../../functions/users/update-me';
import { LIMITS } from '../../lib/rate-limit';
import { logout as endSession, refresh as rotate } from '../../lib/auth/sessions';
import { db } from '../../lib/db';
import { newFan, uniqueEmail } from '../support/fans';
import { invoke, randomIp } from '../support/http';

describe('register', () => {
  it('creates the fan, an empty wallet and a session; email trimmed and lower-cased', async () => {
    const email = uniqueEmail('Mixed');
    const res = await invoke(register, { path: '/api/auth/register', body: { email: `  ${email.toUpperCase()} `, password: 'long enough pw', name: 'Ana' } });
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe(email.toLowerCase());
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(res.body.refresh_token).toMatch(/^[\w-]{40,}$/);
  });

  it('refuses the v2 example password test123 with a problem naming the rule', async () => {
    const res = await invoke(register, { path: '/api/auth/register', body: { email: uniqueEmail(), password: 'test123', name: 'Old' } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.errors).toEqual([{ path: 'body.password', message: expect.stringContaining('at least 8') }]);
  });

  it('answers 409 for an email already taken, whatever its case', async () => {
    const fan = await newFan();
    const res = await invoke(register, { path: '/api/auth/register', body: { email: fan.email.toUpperCase(), password: 'another password', name: 'Dup' } });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe('/problems/email-taken');
  });

  it('refuses a password equal to the email, one over 72 bytes, and an unknown club', async () => {
    const email = uniqueEmail();
    const same = await invoke(register, { path: '/api/auth/register', body: { email, password: email, name: 'X' } });
    expect(same.status).toBe(400);
    const long = await invoke(register, { path: '/api/auth/register', body: { email, password: 'é'.repeat(37), name: 'X' } });
    expect(long.body.errors[0].message).toContain('72 bytes');
    const club = await invoke(register, { path: '/api/auth/register', body: { email, password: 'long enough pw', name: 'X', club_id: 'NOT_A_CLUB' } });
    expect(club.status).toBe(400);
    expect(club.body.errors).toEqual([{ path: 'body.club_id', message: 'No club has this id' }]);
  });

  it('refuses names with no letter or digit, or with control characters', async () => {
    for (const name of ['\u200b\u200b', '---', 'Ana\u0000']) {
      const res = await invoke(register, { path: '/api/auth/register', body: { email: uniqueEmail(), password: 'long enough pw', name } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('body.name');
    }
  });

  it('stores SQL-looking input verbatim', async () => {
    const name = "Robert'); DROP TABLE users;--";
    const fan = await newFan({ name });
    const res = await invoke(me, { path: '/api/auth/me', token: fan.token });
    expect(res.body.name).toBe(name);
  });
});

describe('login', () => {
  it('answers the same 401 for an unknown email and a wrong password', async () => {
    const fan = await newFan();
    const wrong = await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: 'not the password' } });
    const unknown = await invoke(login, { path: '/api/auth/login', body: { email: uniqueEmail(), password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('locks an email out after 5 failures in 15 minutes with Retry-After', async () => {
    const fan = await newFan();
    for (let i = 0; i < 5; i++) {
      const res = await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: `wrong ${i}` }, ip: randomIp() });
      expect(res.status).toBe(401);
    }
    const locked = await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password }, ip: randomIp() });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('lets no more than 5 guesses through when 20 arrive at once', async () => {
    const fan = await newFan();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: `guess ${i}` } })),
    );
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(15);
  });

  it('forgets earlier failures after a successful login', async () => {
    const fan = await newFan();
    const attempt = (password: string) => invoke(login, { path: '/api/auth/login', body: { email: fan.email, password } });
    for (let i = 0; i < 4; i++) expect((await attempt('wrong')).status).toBe(401);
    expect((await attempt(fan.password)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt('wrong')).status).toBe(401);
  });

  it('limits registrations per IP', async () => {
    const ip = randomIp();
    const allowed = LIMITS['register-ip'].tokens;
    const statuses = [];
    for (let i = 0; i <= allowed; i++) {
      statuses.push((await invoke(register, { path: '/api/auth/register', body: { email: uniqueEmail(), password: 'long enough pw', name: 'R' }, ip })).status);
    }
    expect(statuses.slice(0, allowed).every((s) => s === 201)).toBe(true);
    expect(statuses[allowed]).toBe(429);
  });
});

describe('sessions', () => {
  it('rotates refresh tokens and revokes the family when a spent one is reused', async () => {
    const fan = await newFan();
    const first = await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: fan.refresh } });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(fan.refresh);
    const reuse = await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: fan.refresh } });
    expect(reuse.status).toBe(401);
    // The thief's reuse also ends the legitimate holder's newer token.
    const after = await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: first.body.refresh_token } });
    expect(after.status).toBe(401);
  });

  it('a logout racing a rotation of the same session leaves no token alive', async () => {
    const fan = await newFan();
    const [{ family_id }] = (await db()`select family_id from refresh_tokens where user_id = ${fan.id}`) as unknown as [{ family_id: string }];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = db().begin(async (sql) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${family_id}::text, 0))`;
      locked();
      await held;
    });
    await isLocked;
    const rotation = rotate(fan.refresh).then((s) => s.refresh_token, () => undefined);
    const ended = endSession(fan.refresh);
    for (let waiting = 0; waiting < 2; ) {
      [{ waiting }] = (await db()`
        select count(*)::int as waiting from pg_stat_activity
        where wait_event_type = 'Lock' and wait_event = 'advisory'`) as unknown as [{ waiting: number }];
    }
    release();
    await Promise.all([holder, ended]);
    const issued = await rotation;
    if (issued) expect((await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: issued } })).status).toBe(401);
    expect(await db()`select 1 from refresh_tokens where family_id = ${family_id} and revoked_at is null`).toHaveLength(0);
  });

  it('logout revokes the session', async () => {
    const fan = await newFan();
    expect((await invoke(logout, { path: '/api/auth/logout', body: { refresh_token: fan.refresh } })).status).toBe(204);
    expect((await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: fan.refresh } })).status).toBe(401);
  });
});

describe('me', () => {
  it('reads the fan and sees its own update at once (cache invalidated)', async () => {
    const fan = await newFan();
    expect((await invoke(me, { path: '/api/auth/me', token: fan.token })).body.club_id).toBeNull();
    const patched = await invoke(updateMe, { method: 'PATCH', path: '/api/users/me', token: fan.token, body: { name: 'Renamed', club_id: 'PSG' } });
    expect(patched.status).toBe(200);
    const read = await invoke(me, { path: '/api/auth/me', token: fan.token });
    expect(read.body).toMatchObject({ name: 'Renamed', club_id: 'PSG' });
  });

  it('refuses an empty patch and unknown fields', async () => {
    const fan = await newFan();
    expect((await invoke(updateMe, { method: 'PATCH', path: '/api/users/me', token: fan.token, body: {} })).status).toBe(400);
    const extra = await invoke(updateMe, { method: 'PATCH', path: '/api/users/me', token: fan.token, body: { name: 'A', is_admin: true } });
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].path).toBe('body');
  });

  it('requires a token', async () => {
    const res = await invoke(me, { path: '/api/auth/me' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer');
  });
});
