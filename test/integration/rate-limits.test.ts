/**
 * Rate limits on every route, at the production limits (the rest of the
 * suite loosens them with RATE_LIMIT_SCALE) and on a clock pinned to the
 * middle of a one-minute window, so that no window turns over during a test
 * and the counts and reset times are exact.
 */
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as register } from '../../functions/auth/register';
import { handler as usageWebhook } from '../../functions/esim/webhook-usage';
import { handler as products } from '../../functions/shop/products-list';
import { handler as balance } from '../../functions/wallet/balance';
import { handler as deposit } from '../../functions/wallet/deposit';
import { handler as requestCreate } from '../../functions/wallet/request-create';
import { logger } from '../../lib/log';
import { LIMITS, type LimitClass } from '../../lib/rate-limit';
import { resetRedis } from '../../lib/redis';
import { expectProblem } from '../support/assertions';
import { newFan, type Fan } from '../support/fans';
import { invoke, randomIp, type Answer } from '../support/http';
import { key } from '../support/wallet';

const WINDOW_S = 60;
/** Seconds from the pinned clock to the end of its window. */
const RESET = WINDOW_S / 2;

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Math.floor(Date.now() / (WINDOW_S * 1000)) * WINDOW_S * 1000 + RESET * 1000);
});
afterAll(() => {
  vi.useRealTimers();
});
beforeEach(() => {
  vi.stubEnv('RATE_LIMIT_SCALE', '1');
  resetRedis();
});
afterEach(() => {
  vi.unstubAllEnvs();
  resetRedis();
});

const quota = (res: Answer) => ({
  limit: Number(res.headers['ratelimit-limit']),
  remaining: Number(res.headers['ratelimit-remaining']),
  reset: Number(res.headers['ratelimit-reset']),
});

const pay = (fan: Fan, amount: number, ip = randomIp()) =>
  invoke(deposit, { path: '/api/wallet/deposit', token: fan.token, headers: { 'idempotency-key': key() }, body: { amount, method: 'card' }, ip });

/** A registration refused by validation: cheap, and counted all the same. */
const badRegistration = (ip: string) => invoke(register, { path: '/api/auth/register', body: { email: 'not an email' }, ip });

const expectLimited = (res: Answer, limit: number) => {
  expectProblem(res, 429, '/problems/rate-limited');
  expect(res.headers['retry-after']).toBe(String(RESET));
  expect(res.body.retry_after).toBe(RESET);
  expect(quota(res)).toEqual({ limit, remaining: 0, reset: RESET });
};

describe('the limits', () => {
  it("are the issue's, per minute", () => {
    const { reads, writes, money, messages, posts } = LIMITS;
    expect({ reads, writes, money, messages, posts }).toEqual({
      reads: { tokens: 300, window: '1 m' },
      writes: { tokens: 60, window: '1 m' },
      money: { tokens: 20, window: '1 m' },
      messages: { tokens: 30, window: '1 m' },
      posts: { tokens: 10, window: '1 m' },
    });
  });

  it("are applied by each route's class, as each answer tells, refusals included", async () => {
    const fan = await newFan();
    const answers: [LimitClass, Answer][] = [
      ['reads', await invoke(balance, { path: '/api/wallet/balance', token: fan.token })],
      // Refused by validation, after being counted.
      ['writes', await invoke(requestCreate, { path: '/api/wallet/requests', token: fan.token, body: {} })],
      ['money', await pay(fan, 100)],
      ['webhooks', await invoke(usageWebhook, { path: '/api/esim/webhooks/usage', body: {} })],
    ];
    for (const [name, res] of answers) {
      const { tokens } = LIMITS[name];
      expect(quota(res), name).toEqual({ limit: tokens, remaining: tokens - 1, reset: RESET });
    }
    expect(answers.map(([, res]) => res.status)).toEqual([200, 400, 201, 400]);
  });
});

describe('past the limit', () => {
  it('a money route answers 429 problem+json after 20 in a minute, and moves nothing', async () => {
    const fan = await newFan();
    for (let i = 1; i <= 20; i++) {
      const res = await pay(fan, 100);
      expect(res.status).toBe(201);
      expect(quota(res)).toEqual({ limit: 20, remaining: 20 - i, reset: RESET });
    }
    expectLimited(await pay(fan, 100), 20);
    const wallet = await invoke(balance, { path: '/api/wallet/balance', token: fan.token });
    expect(wallet.body.balance).toBe(20 * 100);
  });

  it('counts per fan: another fan on the same address keeps the whole of theirs', async () => {
    const [spent, other] = [await newFan(), await newFan()];
    const ip = randomIp();
    for (let i = 0; i < 20; i++) expect((await pay(spent, 0, ip)).status).toBe(400);
    expectLimited(await pay(spent, 100, ip), 20);
    const res = await pay(other, 100, ip);
    expect(res.status).toBe(201);
    expect(quota(res).remaining).toBe(19);
  });

  it('counts per address without a token: another address, or a fan from the same one, is not limited', async () => {
    const ip = randomIp();
    for (let i = 1; i <= 60; i++) {
      const res = await badRegistration(ip);
      expect(res.status).toBe(400);
      expect(quota(res)).toEqual({ limit: 60, remaining: 60 - i, reset: RESET });
    }
    expectLimited(await badRegistration(ip), 60);
    expect(quota(await badRegistration(randomIp())).remaining).toBe(59);
    const fan = await newFan();
    const mine = await invoke(requestCreate, { path: '/api/wallet/requests', token: fan.token, body: {}, ip });
    expect(mine.status).toBe(400);
    expect(quota(mine).remaining).toBe(59);
  });
});

describe('catalogue reads from one address (a stadium behind a carrier)', () => {
  it('count per fan when the app sends a valid token, else per address; a bad token is ignored, not refused', async () => {
    const READS = LIMITS.reads.tokens;
    const [ana, bob] = [await newFan(), await newFan()];
    const ip = randomIp();
    const browse = (token?: string) => invoke(products, { path: '/api/shop/products', query: { club: 'AS_MONACO' }, token, ip });
    const first = await browse(ana.token);
    expect(first.status).toBe(200);
    expect(quota(first)).toEqual({ limit: READS, remaining: READS - 1, reset: RESET });
    // Another fan on the same address has the whole of theirs; the address's own budget is untouched.
    expect(quota(await browse(bob.token)).remaining).toBe(READS - 1);
    expect(quota(await browse()).remaining).toBe(READS - 1);
    for (const token of ['not-a-jwt', `${ana.token}x`]) {
      const res = await browse(token);
      expect(res.status).toBe(200);
      expect(quota(res).remaining).toBe(READS - (token === 'not-a-jwt' ? 2 : 3));
    }
    expect(quota(await browse(ana.token)).remaining).toBe(READS - 2);
  });
});

describe('with Redis out of reach, requests pass uncounted and the log says so', () => {
  const useRedis = (url: string, timeoutMs?: number) => {
    vi.stubEnv('UPSTASH_REDIS_REST_URL', url);
    if (timeoutMs) vi.stubEnv('REDIS_TIMEOUT_MS', String(timeoutMs));
    resetRedis();
  };
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let fan: Fan;
  beforeAll(async () => {
    fan = await newFan();
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('refusing connections: a fan moves money past the limit', async () => {
    const warn = vi.spyOn(logger, 'warn');
    // Nothing listens on port 1.
    useRedis('http://127.0.0.1:1');
    for (let i = 0; i < 21; i++) {
      const res = await pay(fan, 100);
      expect(res.status).toBe(201);
      expect(res.headers).not.toHaveProperty('ratelimit-limit');
    }
    expect(warn).toHaveBeenCalledWith('rate limiter unavailable, allowing', expect.objectContaining({ op: 'money' }));
    warn.mockRestore();
  });

  it('accepting connections and never answering: the request goes on after the timeout', async () => {
    const warn = vi.spyOn(logger, 'warn');
    useRedis(`http://127.0.0.1:${(silent.address() as { port: number }).port}`, 100);
    const res = await invoke(balance, { path: '/api/wallet/balance', token: fan.token });
    expect(res.status).toBe(200);
    expect(res.headers).not.toHaveProperty('ratelimit-limit');
    expect(warn).toHaveBeenCalledWith(
      'rate limiter unavailable, allowing',
      expect.objectContaining({ op: 'reads', error: expect.stringMatching(/within 100 ms/) }),
    );
    warn.mockRestore();
  });
});
