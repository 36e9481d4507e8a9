/**
 * Postgres or Redis gone. Kept apart from the other HTTP tests so that the
 * swapped clients live in their own worker; every test restores them.
 */
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as login } from '../../functions/auth/login';
import { handler as me } from '../../functions/auth/me';
import { handler as register } from '../../functions/auth/register';
import { handler as health } from '../../functions/health/get';
import { closeDb } from '../../lib/db';
import { resetRedis } from '../../lib/redis';
import { expectEnvelope, expectProblem } from '../support/assertions';
import { newFan, uniqueEmail, type Fan } from '../support/fans';
import { invoke, randomIp } from '../support/http';

/** Nothing listens on port 1. */
const CLOSED_REDIS = 'http://127.0.0.1:1';
const CLOSED_POSTGRES = 'postgres://postgres@127.0.0.1:1/postgres';

const useRedis = (url: string) => {
  vi.stubEnv('UPSTASH_REDIS_REST_URL', url);
  resetRedis();
};

const usePostgres = async (url: string) => {
  vi.stubEnv('DATABASE_URL', url);
  await closeDb();
};

const registerFan = (email = uniqueEmail()) =>
  invoke(register, { path: '/api/auth/register', body: { email, password: 'long enough pw', name: 'Outage' }, ip: randomIp() });

const loginAs = (fan: Pick<Fan, 'email' | 'password'>, ip = randomIp()) =>
  invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password }, ip });

let fan: Fan;
beforeAll(async () => {
  fan = await newFan();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  resetRedis();
  await closeDb();
});

describe('with Redis refusing connections', () => {
  it('register, login and me still succeed', async () => {
    useRedis(CLOSED_REDIS);
    const email = uniqueEmail();
    expect((await registerFan(email)).status).toBe(201);
    const session = await loginAs({ email, password: 'long enough pw' });
    expect(session.status).toBe(200);
    const res = await invoke(me, { path: '/api/auth/me', token: session.body.access_token });
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(email);
  });

  it('rate limits fail open rather than lock fans out', async () => {
    const locked = await newFan();
    // With Redis up, five failures lock the email out (so the limiters are live)...
    for (let i = 0; i < 5; i++) {
      expect((await loginAs({ email: locked.email, password: `wrong ${i}` })).status).toBe(401);
    }
    expect((await loginAs(locked)).status).toBe(429);
    // ...and with Redis gone that lock cannot be read, so the fan gets in.
    useRedis(CLOSED_REDIS);
    expect((await loginAs(locked)).status).toBe(200);
  });

  it('health answers 200 degraded, redis down', async () => {
    useRedis(CLOSED_REDIS);
    const res = await invoke(health, { path: '/api/health' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'degraded', services: { postgres: 'operational', redis: 'down' } });
  });
});

describe('with a Redis that accepts connections and never answers', () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('requests are not held up: me answers and health says degraded', async () => {
    useRedis(url);
    expect((await invoke(me, { path: '/api/auth/me', token: fan.token })).status).toBe(200);
    const res = await invoke(health, { path: '/api/health' });
    expect(res.status).toBe(200);
    expect(res.body.services.redis).toBe('down');
  });
});

describe('with Postgres unreachable', () => {
  it('answers 503 problem+json with Retry-After', async () => {
    await usePostgres(CLOSED_POSTGRES);
    const res = await registerFan();
    expectProblem(res, 503, '/problems/service-unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.raw).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it('health answers 503, postgres down', async () => {
    await usePostgres(CLOSED_POSTGRES);
    const res = await invoke(health, { path: '/api/health' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unhealthy', services: { postgres: 'down', redis: 'operational' } });
    // The health report itself, not a problem: monitors read the same shape either way.
    expect(res.headers['content-type']).toBe('application/json');
    expectEnvelope(res);
  });
});
