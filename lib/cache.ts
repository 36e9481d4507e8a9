import type { Redis } from '@upstash/redis';
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
  /** What a match's waiting room and purchases need to know of it: read by every fan waiting, from here rather than Postgres. */
  onSale: (eventId: string) => ({ key: `event:${eventId}:sale`, ttl: 1 * MIN }),
  tickets: (userId: string) => ({ key: `tickets:${userId}`, ttl: 5 * MIN }),
  conversations: (userId: string) => ({ key: `conversations:${userId}`, ttl: 5 * MIN }),
  feed: (userId: string, page: string) => ({ key: `feed:${userId}:${page}`, ttl: 1 * MIN }),
  /**
   * Every fan's feed pages at once, as a group (see `cached`): a post a
   * moderator removes leaves the feeds of thousands of fans, whose keys no
   * write could name, so they are all cached under this group's version,
   * which the removal bumps. Removals are rare beside the pages' own minute.
   */
  feeds: () => ({ key: 'feed:all', ttl: 1 * MIN }),
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
 * rather than leave the key empty for the fan's next look (`writeBack`),
 * if nothing newer can be there: either it noted the key's version before
 * it began (`versionsOf`) and no other write has bumped it since (any write
 * that committed in between could be missing from the value, so the key is
 * then dropped instead), or its value carries a sequence that orders the
 * writes to that key (a wallet's newest ledger entry), kept beside the key,
 * and it is stored only over an older one.
 */
const versionOf = (key: string) => `${key}:v`;
const sequenceOf = (key: string) => `${key}:s`;
// Outlives any load between a miss and its fill by far; an expired version reads as a new one, which only costs a fill.
const VERSION_TTL = 60 * 60;
const FILL = `if (redis.call('get', KEYS[2]) or '') == ARGV[3] then redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) end return 0`;
// KEYS: per key, the key, its version and its sequence; the first ARGV[1] are written back. ARGV[2]: the TTL of
// versions and sequences; then per key written back: its guard ('v' a version noted, 's' a sequence), the guard, the value, its TTL.
const WRITE_BACK = `local written = tonumber(ARGV[1])
for i = 1, #KEYS / 3 do
  local key, version, sequence, a = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i], 4 * i - 1
  local store, newer = false, false
  if i <= written and ARGV[a] == 'v' then
    store = (redis.call('get', version) or '') == ARGV[a + 1]
  elseif i <= written then
    store = tonumber(redis.call('get', sequence) or '-1') < tonumber(ARGV[a + 1])
    newer = not store
    if store then redis.call('set', sequence, ARGV[a + 1], 'EX', ARGV[2]) end
  end
  redis.call('incr', version)
  redis.call('expire', version, ARGV[2])
  if store then redis.call('set', key, ARGV[a + 2], 'EX', ARGV[a + 3]) elseif not newer then redis.call('del', key) end
end
return 0`;

// By its SHA-1 (EVALSHA, loaded by the first EVAL): every movement runs it, and the script is most of its bytes.
const scripts = new WeakMap<Redis, ReturnType<Redis['createScript']>>();
const writeBackScript = (client: Redis) => scripts.get(client) ?? scripts.set(client, client.createScript(WRITE_BACK)).get(client)!;

const warn = (op: string, error: unknown) =>
  logger.warn('cache unavailable, serving from Postgres', { op, error: String(error) });

/** A value cached under a group: the group's version it was loaded under beside it. */
type Grouped = { group: string; value: unknown };

const versionText = (version: unknown) => (version === null || version === undefined ? '' : String(version));

/**
 * Cache-aside: the cached value, else `load()` stored for next time. A value
 * cached under a `group` is a hit only while the group's version is still
 * the one noted (in the same round trip) before it was loaded: invalidating
 * the group makes every such key stale at once, without naming them.
 */
export const cached = async <T>(entry: CacheKey, load: () => Promise<T>, group?: CacheKey): Promise<T> => {
  const client = redis();
  if (!client) return load();
  let hit: unknown = null;
  let version: unknown = null;
  let groupVersion: unknown = null;
  try {
    [hit, version, groupVersion] = await client.mget<[unknown, unknown, unknown]>(
      entry.key,
      versionOf(entry.key),
      ...(group ? [versionOf(group.key)] : []),
    );
  } catch (error) {
    warn('get', error);
    return load();
  }
  const noted = versionText(groupVersion);
  if (hit !== null && !group) return hit as T;
  if (hit !== null && (hit as Grouped).group === noted) return (hit as Grouped).value as T;
  const value = await load();
  if (value !== undefined) {
    const stored: unknown = group ? ({ group: noted, value } satisfies Grouped) : value;
    // Awaited: a frozen Lambda would otherwise drop the write half-sent.
    await client
      .eval(FILL, [entry.key, versionOf(entry.key)], [JSON.stringify(stored), String(entry.ttl), versionText(version)])
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

/**
 * A value a write read as it committed, with what shows nothing newer is
 * cached: the key's version noted before the write began, or the value's
 * place in the order of the key's writes.
 */
export type WrittenBack = { entry: CacheKey; value: unknown } & ({ noted: Noted } | { sequence: number });

/**
 * After a committed write, in one call to Redis: bumps the version of every
 * key given, stores each value written back that nothing newer can be
 * cached over (see above), and drops every other key, but for one whose
 * sequence says a newer value was stored. Tried twice; never throws (a lost
 * call leaves the old values readable until their TTL runs out).
 */
export const writeBack = async (values: WrittenBack[], ...stale: CacheKey[]): Promise<void> => {
  const client = redis();
  if (!client) return;
  const stored = values.filter((v) => v.value !== undefined && !('noted' in v && v.noted === null));
  const keys = [...stored.map(({ entry }) => entry), ...values.filter((v) => !stored.includes(v)).map(({ entry }) => entry), ...stale];
  if (keys.length === 0) return;
  const args = [
    String(stored.length),
    String(VERSION_TTL),
    ...stored.flatMap((v) => ['noted' in v ? ['v', v.noted!] : ['s', String(v.sequence)], JSON.stringify(v.value), String(v.entry.ttl)].flat()),
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      await writeBackScript(client).exec(keys.flatMap(({ key }) => [key, versionOf(key), sequenceOf(key)]), args);
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
