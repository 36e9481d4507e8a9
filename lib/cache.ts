import { logger } from './log';
import { redis } from './redis';

const MIN = 60;

/**
 * Every cached key and its time to live, in seconds: the one table of
 * DESIGN.md. A key not built here is not cached.
 */
export const keys = {
  user: (userId: string) => ({ key: `user:${userId}`, ttl: 30 * MIN }),
  walletBalance: (userId: string) => ({ key: `wallet:balance:${userId}`, ttl: 1 * MIN }),
  transactions: (userId: string) => ({ key: `transactions:${userId}`, ttl: 5 * MIN }),
  esimPlans: () => ({ key: 'esim:plans', ttl: 60 * MIN }),
  esimActive: (userId: string) => ({ key: `esim:active:${userId}`, ttl: 5 * MIN }),
  products: (club: string, category: string) => ({ key: `products:${club}:${category}`, ttl: 30 * MIN }),
  cart: (userId: string) => ({ key: `cart:${userId}`, ttl: 60 * MIN }),
  events: (club: string) => ({ key: `events:${club}`, ttl: 5 * MIN }),
  tickets: (userId: string) => ({ key: `tickets:${userId}`, ttl: 5 * MIN }),
  conversations: (userId: string) => ({ key: `conversations:${userId}`, ttl: 5 * MIN }),
  feed: (userId: string, page: string) => ({ key: `feed:${userId}:${page}`, ttl: 1 * MIN }),
  ai: (name: string, ttl: number) => ({ key: `ai:${name}`, ttl: Math.min(Math.max(ttl, 5 * MIN), 30 * MIN) }),
  statsGlobal: () => ({ key: 'stats:global', ttl: 1 * MIN }),
} as const;

/**
 * Only the first pages of a feed are cached: nearly every read is of them,
 * and a fan's own post, like or block then clears these few keys rather than
 * all of them (Upstash's REST API cannot delete by pattern cheaply). Deeper
 * pages are read from Postgres each time.
 */
export const FEED_CACHED_PAGES = 5;

/** The cached pages of a fan's feed: what a write of theirs that changes it must clear for them to see it at once. */
export const feedPages = (userId: string): CacheKey[] => Array.from({ length: FEED_CACHED_PAGES }, (_, i) => keys.feed(userId, String(i + 1)));

/** Rate-limit counters share Redis under this prefix (`rate:{user id or IP}:{limit}`, see lib/rate-limit.ts). */
export const RATE_PREFIX = 'rate';

export type CacheKey = { key: string; ttl: number };

/*
 * A reader that missed can load a value from Postgres just before a write
 * commits and store it just after the writer invalidated: the stale value
 * would then live a whole TTL. Invalidation therefore leaves a short-lived
 * tombstone, and readers only fill a key that holds nothing (SET NX), so a
 * value read before the write can never land after it.
 */
const TOMBSTONE = '__stale__';
const TOMBSTONE_TTL = 15;

const warn = (op: string, error: unknown) =>
  logger.warn('cache unavailable, serving from Postgres', { op, error: String(error) });

/** Cache-aside: the cached value, else `load()` stored for next time. */
export const cached = async <T>(entry: CacheKey, load: () => Promise<T>): Promise<T> => {
  const client = redis();
  if (!client) return load();
  let hit: unknown = null;
  try {
    hit = await client.get(entry.key);
  } catch (error) {
    warn('get', error);
    return load();
  }
  if (hit !== null && hit !== TOMBSTONE) return hit as T;
  const value = await load();
  if (hit === null && value !== undefined) {
    // Awaited: a frozen Lambda would otherwise drop the write half-sent.
    await client.set(entry.key, JSON.stringify(value), { ex: entry.ttl, nx: true }).catch((e) => warn('set', e));
  }
  return value;
};

/**
 * Drops keys after a committed write; never throws. Tried twice: a lost
 * invalidation leaves the old value readable until its TTL runs out.
 */
export const invalidate = async (...entries: CacheKey[]): Promise<void> => {
  const client = redis();
  if (!client || entries.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    try {
      const pipe = client.pipeline();
      for (const { key } of entries) pipe.set(key, TOMBSTONE, { ex: TOMBSTONE_TTL });
      await pipe.exec();
      return;
    } catch (error) {
      if (attempt < 2) continue;
      logger.error('cache invalidation lost; stale until the TTL runs out', { keys: entries.map((e) => e.key), error: String(error) });
      return;
    }
  }
};

/** Whether Redis answers a PING within the timeout (health check). */
export const cacheUp = async (): Promise<boolean> => {
  const client = redis();
  if (!client) return false;
  try {
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  }
};
