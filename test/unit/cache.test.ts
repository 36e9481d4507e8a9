import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cached, invalidate, keys } from '../../lib/cache';
import { redis, resetRedis } from '../../lib/redis';

/** A key of the real table that no other test touches. */
const entry = () => keys.user(randomUUID());

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

const stored = (key: string) => redis()!.get(key);

describe('cached', () => {
  it('on a miss, loads and stores the value with its TTL', async () => {
    const e = entry();
    const load = vi.fn(async () => ({ name: 'Ana' }));
    expect(await cached(e, load)).toEqual({ name: 'Ana' });
    expect(load).toHaveBeenCalledOnce();
    expect(await stored(e.key)).toEqual({ name: 'Ana' });
    const ttl = await redis()!.ttl(e.key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(e.ttl);
  });

  it('on a hit, answers from Redis without loading', async () => {
    const e = entry();
    await cached(e, async () => 'first');
    const load = vi.fn(async () => 'second');
    expect(await cached(e, load)).toBe('first');
    expect(load).not.toHaveBeenCalled();
  });

  it('passes a failed load on and stores nothing', async () => {
    const e = entry();
    await expect(cached(e, async () => Promise.reject(new Error('load failed')))).rejects.toThrow('load failed');
    expect(await stored(e.key)).toBeNull();
  });
});

describe('invalidate', () => {
  it('makes the next read of each key load again', async () => {
    const [a, b] = [entry(), entry()];
    await cached(a, async () => 'old a');
    await cached(b, async () => 'old b');
    await invalidate(a, b);
    expect(await cached(a, async () => 'new a')).toBe('new a');
    expect(await cached(b, async () => 'new b')).toBe('new b');
  });

  it('tries a failed invalidation once more', async () => {
    const a = entry();
    await cached(a, async () => 'old');
    const client = redis()!;
    const pipeline = client.pipeline.bind(client);
    const once = vi.spyOn(client, 'pipeline').mockImplementationOnce(() => {
      const failing = pipeline();
      failing.exec = () => Promise.reject(new Error('connection reset'));
      return failing;
    });
    await invalidate(a);
    expect(once).toHaveBeenCalledTimes(2);
    once.mockRestore();
    expect(await cached(a, async () => 'new')).toBe('new');
  });

  it('keeps a value loaded before the invalidation from being stored after it', async () => {
    const e = entry();
    const loading = deferred();
    const release = deferred();
    const slow = cached(e, async () => {
      loading.resolve();
      await release.promise;
      return 'read before the write';
    });
    await loading.promise; // the reader has missed and is loading
    await invalidate(e); // the writer commits and invalidates meanwhile
    release.resolve();
    expect(await slow).toBe('read before the write');

    const load = vi.fn(async () => 'read after the write');
    expect(await cached(e, load)).toBe('read after the write');
    expect(load).toHaveBeenCalledOnce();
  });

  it('lets the first read after an invalidation fill the key again', async () => {
    const e = entry();
    await cached(e, async () => 'old');
    await invalidate(e);
    expect(await stored(e.key)).toBeNull();
    await cached(e, async () => 'new');
    expect(await stored(e.key)).toBe('new');
    const load = vi.fn(async () => 'newer');
    expect(await cached(e, load)).toBe('new');
    expect(load).not.toHaveBeenCalled();
  });
});

describe('without a working Redis', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    resetRedis();
  });

  const useRedis = (url: string) => {
    vi.stubEnv('UPSTASH_REDIS_REST_URL', url);
    resetRedis();
  };

  it('cached() loads every time and never throws when Redis refuses connections', async () => {
    useRedis('http://127.0.0.1:1');
    const e = entry();
    const load = vi.fn(async () => 'from Postgres');
    await expect(cached(e, load)).resolves.toBe('from Postgres');
    await expect(cached(e, load)).resolves.toBe('from Postgres');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('invalidate() resolves when Redis refuses connections', async () => {
    useRedis('http://127.0.0.1:1');
    await expect(invalidate(entry(), entry())).resolves.toBeUndefined();
  });

  it('cached() just loads when no Redis is configured', async () => {
    useRedis('');
    expect(redis()).toBeNull();
    await expect(cached(entry(), async () => 'from Postgres')).resolves.toBe('from Postgres');
    await expect(invalidate(entry())).resolves.toBeUndefined();
  });
});
