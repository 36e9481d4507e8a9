import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cached, invalidate, keys, versionsOf, writeBack } from '../../lib/cache';
import { redis, resetRedis } from '../../lib/redis';

/** A key of the real table that no other test touches. */
const entry = () => keys.user(randomUUID());

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

const stored = (key: string) => redis()!.get(key);

/** A reader that has missed on `e` and is loading 'read before the write' until `finish()`: its fill (and answer) is `read`. */
const slowReader = async (e: ReturnType<typeof entry>) => {
  const loading = deferred();
  const release = deferred();
  const read = cached(e, async () => {
    loading.resolve();
    await release.promise;
    return 'read before the write';
  });
  await loading.promise;
  return { read, finish: () => (release.resolve(), read) };
};

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
    const once = vi.spyOn(client, 'evalsha').mockImplementationOnce(() => Promise.reject(new Error('connection reset')));
    await invalidate(a);
    expect(once).toHaveBeenCalledTimes(2);
    once.mockRestore();
    expect(await cached(a, async () => 'new')).toBe('new');
  });

  it('keeps a value loaded before the invalidation from being stored after it', async () => {
    const e = entry();
    const reader = await slowReader(e);
    await invalidate(e); // the writer commits and invalidates meanwhile
    expect(await reader.finish()).toBe('read before the write');

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

describe('writeBack', () => {
  it("stores a write's own value when no other write came since its note, and drops the stale keys", async () => {
    const [mine, theirs] = [entry(), entry()];
    await cached(mine, async () => 'old mine');
    await cached(theirs, async () => 'old theirs');
    const [noted] = await versionsOf(mine);
    await writeBack([{ entry: mine, value: 'new mine', noted: noted! }], theirs);
    const load = vi.fn(async () => 'loaded');
    expect(await cached(mine, load)).toBe('new mine');
    expect(load).not.toHaveBeenCalled();
    expect(await stored(theirs.key)).toBeNull();
    expect(await redis()!.ttl(mine.key)).toBeGreaterThan(0);
  });

  it('drops the key instead when another write bumped it between the note and the write-back', async () => {
    const e = entry();
    await cached(e, async () => 'before both writes');
    const [noted] = await versionsOf(e);
    await invalidate(e); // another write committed meanwhile: the value read may lack it
    await writeBack([{ entry: e, value: 'may lack the other write', noted: noted! }]);
    expect(await stored(e.key)).toBeNull();
    expect(await cached(e, async () => 'both writes')).toBe('both writes');
  });

  it("keeps a reader's value loaded before the write from landing after it", async () => {
    const e = entry();
    const reader = await slowReader(e);
    const [noted] = await versionsOf(e);
    await writeBack([{ entry: e, value: 'written back', noted: noted! }]);
    await reader.finish();
    expect(await stored(e.key)).toBe('written back');
  });

  it('orders the values of writes that carry a sequence: an older one arriving late neither stores nor drops the newer', async () => {
    const e = entry();
    await cached(e, async () => 'read before both writes');
    await writeBack([{ entry: e, value: 'second write', sequence: 12 }]);
    expect(await stored(e.key)).toBe('second write');
    await writeBack([{ entry: e, value: 'first write, late', sequence: 11 }]);
    expect(await stored(e.key)).toBe('second write');
    await writeBack([{ entry: e, value: 'third write', sequence: 13 }]);
    expect(await stored(e.key)).toBe('third write');
  });

  it("keeps a reader's value loaded before a sequenced write from landing after it", async () => {
    const e = entry();
    const reader = await slowReader(e);
    await writeBack([{ entry: e, value: 'written back', sequence: 1 }]);
    await reader.finish();
    expect(await stored(e.key)).toBe('written back');
  });

  it('notes a key never written as version "", and stores on it', async () => {
    const e = entry();
    expect(await versionsOf(e)).toEqual(['']);
    await writeBack([{ entry: e, value: { balance: 1 }, noted: '' }]);
    expect(await stored(e.key)).toEqual({ balance: 1 });
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

  it('versionsOf() notes nothing, and writeBack() resolves, when Redis refuses connections', async () => {
    useRedis('http://127.0.0.1:1');
    const e = entry();
    expect(await versionsOf(e)).toEqual([null]);
    await expect(writeBack([{ entry: e, value: 'new', noted: null }], entry())).resolves.toBeUndefined();
  });

  it('cached() just loads when no Redis is configured', async () => {
    useRedis('');
    expect(redis()).toBeNull();
    await expect(cached(entry(), async () => 'from Postgres')).resolves.toBe('from Postgres');
    await expect(invalidate(entry())).resolves.toBeUndefined();
  });
});
