/**
 * The local Upstash stand-in, on its in-memory backend (what `npm run dev`
 * falls back to without Redis), spoken to by the real @upstash/redis client.
 */
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisBridge, type RedisBridge } from '../../scripts/redis-bridge';

let bridge: RedisBridge;
let redis: Redis;

beforeAll(async () => {
  bridge = await startRedisBridge({ token: 'bridge-test' });
  redis = new Redis({ url: bridge.url, token: bridge.token, retry: false, enableTelemetry: false });
});
afterAll(() => bridge.close());

describe('redis bridge, in memory', () => {
  it('runs on the in-memory backend', () => expect(bridge.backend).toBe('memory'));

  it('honours SET options the client sends in lower case (ex, nx)', async () => {
    expect(await redis.set('k', 'first', { ex: 60, nx: true })).toBe('OK');
    expect(await redis.set('k', 'second', { ex: 60, nx: true })).toBeNull();
    expect(await redis.get('k')).toBe('first');
    expect(await redis.ttl('k')).toBeGreaterThan(0);
  });

  it('round-trips JSON and non-ASCII text through the base64 encoding', async () => {
    await redis.set('fan', { name: 'Élodie ⚽', points: 3 });
    expect(await redis.get('fan')).toEqual({ name: 'Élodie ⚽', points: 3 });
  });

  it('serves pipelines and transactions', async () => {
    const pipe = redis.pipeline();
    pipe.set('a', 1);
    pipe.incr('a');
    expect(await pipe.exec()).toEqual(['OK', 2]);
    const multi = redis.multi();
    multi.incr('a');
    multi.get('a');
    expect(await multi.exec()).toEqual([3, 3]);
  });

  it('answers errors in Upstash shape and refuses a wrong token', async () => {
    await expect(redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
    const raw = await fetch(bridge.url, { method: 'POST', headers: { authorization: `Bearer ${bridge.token}` }, body: '["NOSUCHCOMMAND"]' });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ error: expect.stringMatching(/unknown command/) });
    const stranger = new Redis({ url: bridge.url, token: 'wrong', retry: false, enableTelemetry: false });
    await expect(stranger.get('k')).rejects.toThrow(/Unauthorized/);
  });

  it('runs @upstash/ratelimit, whose scripts carry an Upstash-only shebang', async () => {
    const limiter = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(2, '60 s'), prefix: 'rate', ephemeralCache: false });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await limiter.limit('bridge-test')).success);
    expect(results).toEqual([true, true, false]);
  });
});
