import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { RATE_PREFIX } from './cache';
import { config } from './config';
import { tooManyRequests } from './http/problem';
import { logger } from './log';
import { redis } from './redis';

type Duration = `${number} ${'s' | 'm' | 'h'}`;
type Limit = { tokens: number; window: Duration };

const CLASSES = ['reads', 'writes', 'money', 'messages', 'posts', 'webhooks', 'payment-webhooks'] as const;

/**
 * The class a route's requests count against, per user when authenticated
 * and per IP otherwise. A route names one with `limit`, or gets the class
 * that follows from it (see `limitOf` in ./http/route).
 */
export type LimitClass = (typeof CLASSES)[number];

/**
 * Every limit in one place: requests (or failures) allowed per window. The
 * route classes come first (multiplied by `RATE_LIMIT_SCALE` where a load
 * test sets it); the named ones after them are counted by the domain on top
 * of its route's class. The per-IP ones are loose because a stadium's fans
 * share a few carrier IPs; guessing passwords is stopped per email by
 * `ATTEMPTS` below.
 */
export const LIMITS = {
  reads: { tokens: 300, window: '1 m' },
  writes: { tokens: 60, window: '1 m' },
  money: { tokens: 20, window: '1 m' },
  messages: { tokens: 30, window: '1 m' },
  posts: { tokens: 10, window: '1 m' },
  // A carrier reports every eSIM's usage from a handful of addresses.
  webhooks: { tokens: 1000, window: '1 m' },
  // Stripe delivers every top-up's and chargeback's events from a few published addresses, in bursts at a big sale.
  'payment-webhooks': { tokens: 3000, window: '1 m' },
  'register-ip': { tokens: 20, window: '15 m' },
  'login-ip': { tokens: 100, window: '15 m' },
  'money-request-user': { tokens: 30, window: '1 h' },
  // A whole account's data in one answer: the heaviest read there is, and a fan needs it rarely.
  'data-export-user': { tokens: 5, window: '1 h' },
  // Each reset request mails a fan: per address against a sweep, per email against flooding one inbox. Confirming counts per address too.
  'password-reset-ip': { tokens: 20, window: '15 m' },
  'password-reset-email': { tokens: 5, window: '1 h' },
  // Verification links a fan asks for (a resend, an email change): each is an email to an address they typed.
  'verification-mail-user': { tokens: 3, window: '1 h' },
} as const satisfies Record<LimitClass, Limit> & Record<string, Limit>;

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
    const scale = (CLASSES as readonly string[]).includes(name) ? config.rateLimitScale() : 1;
    found = new Ratelimit({
      redis: client,
      limiter: Ratelimit.slidingWindow(tokens * scale, window),
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

/** `{subject}:{limit}`, under the `rate:` prefix of lib/cache.ts (the limiter appends its window). */
const identifier = (name: string, subject: string) => `${subject}:${name}`;

const guarded = async <T>(op: string, fn: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await fn();
  } catch (error) {
    logger.warn('rate limiter unavailable, allowing', { op, error: String(error) });
    return undefined;
  }
};

/** What is left of a subject's limit after one more request. */
export type Quota = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets, at least 1. */
  reset: number;
};

/**
 * Counts one request against the limit. Undefined when Redis did not answer
 * in time: the request then passes uncounted.
 */
export const count = async (name: LimitName, subject: string): Promise<Quota | undefined> => {
  const rl = limiter(name);
  if (!rl) return undefined;
  const result = await guarded(name, async () => {
    const answer = await rl.limit(identifier(name, subject));
    // The limiter answers its own timeout with a success.
    if (answer.reason === 'timeout') throw new Error(`Redis did not answer within ${config.redisTimeoutMs()} ms`);
    return answer;
  });
  if (!result) return undefined;
  const reset = Math.max(1, Math.ceil((result.reset - Date.now()) / 1000));
  return { allowed: result.success, limit: result.limit, remaining: result.remaining, reset };
};

/** The 429 for a quota used up. */
export const exceeded = (quota: Quota) => tooManyRequests(quota.reset, 'Too many requests; retry after the time in Retry-After.');

/** Counts one request against the limit; 429 once it is used up. */
export const consume = async (name: LimitName, subject: string): Promise<void> => {
  const quota = await count(name, subject);
  if (quota && !quota.allowed) throw exceeded(quota);
};

/**
 * Attempts allowed per subject until one succeeds, within a window: 5 logins
 * per email, or 5 current passwords per fan changing it, per 15 minutes.
 * Each attempt is counted before it runs (INCR is atomic, so a parallel
 * burst cannot slip through) and a success clears the count. A plain counter: @upstash/ratelimit's reset scans the whole keyspace.
 */
export const ATTEMPTS = {
  'login-email': { tokens: 5, seconds: 15 * 60 },
  // A stolen access token must not be a way to guess the password it lacks (changing it or the email, and closing the account, ask for it).
  'password-user': { tokens: 5, seconds: 15 * 60 },
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
