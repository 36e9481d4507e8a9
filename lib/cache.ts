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
 * would then live a whole TTL. So each key has a version beside it, which an
 * invalidation bumps as it deletes the value; a reader notes the version as
 * it misses (in the same round trip as its GET) and stores what it loaded
 * only if the version is still the one it noted. A value read before a write
 * therefore never lands after it, and the first read after a write fills
 * the key again at once.
 *
 * A write can store what it read as it committed (the fan's new balance)
 * rather than leave the key empty for the fan's next look, by the same rule:
 * it notes the key's version before it begins (`versionsOf`), and
 * `writeBack` stores its value only if no other write has bumped the version
 * since. Any write that committed in between could be missing from the
 * value, so the key is then dropped instead.
 */
const versionOf = (key: string) => `${key}:v`;
// Outlives any load between a miss and its fill by far; an expired version reads as a new one, which only costs a fill.
const VERSION_TTL = 60 * 60;
const FILL = `if (redis.call('get', KEYS[2]) or '') == ARGV[3] then redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) end return 0`;
// KEYS: each key then its version, the first ARGV[1] of them written back; ARGV[2] the versions' TTL, then per key written back: the version noted, the value, its TTL.
const WRITE_BACK = `for i = 1, #KEYS / 2 do
  local key, version = KEYS[2 * i - 1], KEYS[2 * i]
  local unchanged = i <= tonumber(ARGV[1]) and (redis.call('get', version) or '') == ARGV[3 * i]
  redis.call('incr', version)
  redis.call('expire', version, ARGV[2])
  if unchanged then redis.call('set', key, ARGV[3 * i + 1], 'EX', ARGV[3 * i + 2]) else redis.call('del', key) end
end
return 0`;

const warn = (op: string, error: unknown) =>
  logger.warn('cache unavailable, serving from Postgres', { op, error: String(error) });

/** Cache-aside: the cached value, else `load()` stored for next time. */
export const cached = async <T>(entry: CacheKey, load: () => Promise<T>): Promise<T> => {
  const client = redis();
  if (!client) return load();
  let hit: unknown = null;
  let version: unknown = null;
  try {
    [hit, version] = await client.mget<[unknown, unknown]>(entry.key, versionOf(entry.key));
  } catch (error) {
    warn('get', error);
    return load();
  }
  if (hit !== null) return hit as T;
  const value = await load();
  if (value !== undefined) {
    // Awaited: a frozen Lambda would otherwise drop the write half-sent.
    await client
      .eval(FILL, [entry.key, versionOf(entry.key)], [JSON.stringify(value), String(entry.ttl), version === null ? '' : String(version)])
      .catch((e) => warn('set', e));
  }
  return value;
};

/** A version as `versionsOf` noted it; null when Redis did not answer, and nothing can then be written back. */
export type Noted = string | null;

/** The keys' versions now, noted before a write that will store its own values for them (`writeBack`). */
export const versionsOf = async (...entries: CacheKey[]): Promise<Noted[]> => {
  const client = redis();
  if (!client || entries.length === 0) return entries.map(() => null);
  try {
    const versions = await client.mget<unknown[]>(...entries.map(({ key }) => versionOf(key)));
    return versions.map((v) => (v === null ? '' : String(v)));
  } catch (error) {
    warn('get', error);
    return entries.map(() => null);
  }
};

/** A value a write read as it committed, for a key whose version was noted before the write began. */
export type WrittenBack = { entry: CacheKey; value: unknown; noted: Noted };

/**
 * After a committed write, in one call to Redis: bumps the version of every
 * key given, stores each value written back whose key's version is still the
 * one noted, and drops every other key. Tried twice; never throws (a lost
 * call leaves the old values readable until their TTL runs out).
 */
export const writeBack = async (values: WrittenBack[], ...stale: CacheKey[]): Promise<void> => {
  const client = redis();
  if (!client) return;
  const stored = values.filter(({ noted, value }) => noted !== null && value !== undefined);
  const dropped = [...values.filter((v) => !stored.includes(v)).map(({ entry }) => entry), ...stale];
  const keys = [...stored.map(({ entry }) => entry), ...dropped];
  if (keys.length === 0) return;
  const args = [String(stored.length), String(VERSION_TTL), ...stored.flatMap(({ entry, value, noted }) => [noted!, JSON.stringify(value), String(entry.ttl)])];
  for (let attempt = 1; ; attempt++) {
    try {
      await client.eval(WRITE_BACK, keys.flatMap(({ key }) => [key, versionOf(key)]), args);
      return;
    } catch (error) {
      if (attempt < 2) continue;
      logger.error('cache invalidation lost; stale until the TTL runs out', { keys: keys.map((e) => e.key), error: String(error) });
      return;
    }
  }
};

/** Drops keys after a committed write, bumping their versions; never throws. */
export const invalidate = (...entries: CacheKey[]): Promise<void> => writeBack([], ...entries);

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
