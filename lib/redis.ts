import { Redis } from '@upstash/redis';
import { config } from './config';

let client: Redis | null | undefined;

/**
 * The Upstash REST client, or null when none is configured. Every call is cut
 * off after a short timeout and never retried: Redis is a cache here, and a
 * slow cache must not make a request slow.
 */
export const redis = (): Redis | null => {
  if (client !== undefined) return client;
  const url = config.redisUrl();
  client = url
    ? new Redis({
        url,
        token: config.redisToken() ?? '',
        retry: false,
        enableTelemetry: false,
        signal: () => AbortSignal.timeout(config.redisTimeoutMs()),
      })
    : null;
  return client;
};

/** Forgets the client so the next call reads the settings again (tests). */
export const resetRedis = (): void => {
  client = undefined;
};
