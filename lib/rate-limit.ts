import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { RATE_PREFIX } from './cache';
import { config } from './config';
import { tooManyRequests } from './http/problem';
import { logger } from './log';
import { redis } from './redis';

type Duration = `${number} ${'s' | 'm' | 'h'}`;

/**
 * Every limit in one place: requests (or failures) allowed per window. The
 * per-IP ones are loose because a stadium's fans share a few carrier IPs;
 * guessing passwords is stopped per email by `ATTEMPTS` below.
 */
export const LIMITS = {
  'register-ip': { tokens: 20, window: '15 m' },
  'login-ip': { tokens: 100, window: '15 m' },
  'money-request-user': { tokens: 30, window: '1 h' },
} as const satisfies Record<string, { tokens: number; window: Duration }>;

export type LimitName = keyof typeof LIMITS;

// Per client: one replaced by resetRedis() must not live on in its limiters.
const limiters = new WeakMap<Redis, Map<LimitName, Ratelimit>>();
const limiter = (name: LimitName): Ratelimit | null => {
  const client = redis();
  if (!client) return null;
  let mine = limiters.get(client);
  if (!mine) limiters.set(client, (mine = new Map()));
  let found = mine.get(name);
  if (!found) {
    const { tokens, window } = LIMITS[name];
    found = new Ratelimit({
      redis: client,
      limiter: Ratelimit.slidingWindow(tokens, window),
      prefix: RATE_PREFIX,
      // Fail open quickly: an unreachable Redis must not lock fans out.
      timeout: config.redisTimeoutMs(),
      ephemeralCache: false,
      analytics: false,
    });
    mine.set(name, found);
  }
  return found;
};

/** `{ip}:{endpoint}` under the `rate:` prefix, as the cache table names it. */
const identifier = (name: string, subject: string) => `${subject}:${name}`;

const retryAfter = (reset: number) => Math.max(1, Math.ceil((reset - Date.now()) / 1000));

const guarded = async <T>(op: string, fn: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await fn();
  } catch (error) {
    logger.warn('rate limiter unavailable, allowing', { op, error: String(error) });
    return undefined;
  }
};

/** Counts one request against the limit; 429 once it is used up. */
export const consume = async (name: LimitName, subject: string): Promise<void> => {
  const rl = limiter(name);
  if (!rl) return;
  const result = await guarded(name, () => rl.limit(identifier(name, subject)));
  if (result && !result.success) {
    throw tooManyRequests(retryAfter(result.reset), 'Too many requests; retry after the time in Retry-After.');
  }
};

/**
 * Attempts allowed per subject until one succeeds, within a window: 5 logins
 * per email per 15 minutes. Each attempt is counted before it runs (INCR is
 * atomic, so a parallel burst cannot slip through) and a success clears the
 * count. A plain counter: @upstash/ratelimit's reset scans the whole keyspace.
 */
export const ATTEMPTS = {
  'login-email': { tokens: 5, seconds: 15 * 60 },
} as const;

const attemptsKey = (name: keyof typeof ATTEMPTS, subject: string) => `${RATE_PREFIX}:${identifier(name, subject)}`;

export const countAttempt = async (name: keyof typeof ATTEMPTS, subject: string): Promise<void> => {
  const client = redis();
  if (!client) return;
  const { tokens, seconds } = ATTEMPTS[name];
  const key = attemptsKey(name, subject);
  const counted = await guarded(name, () => {
    const pipe = client.pipeline();
    pipe.set(key, 0, { ex: seconds, nx: true });
    pipe.incr(key);
    pipe.ttl(key);
    return pipe.exec<[unknown, number, number]>();
  });
  if (counted && counted[1] > tokens) {
    throw tooManyRequests(Math.max(1, counted[2]), 'Too many attempts; retry after the time in Retry-After.');
  }
};

export const clearAttempts = async (name: keyof typeof ATTEMPTS, subject: string): Promise<void> => {
  const client = redis();
  if (client) await guarded(name, () => client.del(attemptsKey(name, subject)));
};
