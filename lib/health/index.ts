import * as z from 'zod/mini';
import { cacheUp } from '../cache';
import { config } from '../config';
import { db } from '../db';
import { route } from '../http/route';

export const Health = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  services: z.object({ postgres: z.enum(['operational', 'down']), redis: z.enum(['operational', 'down']) }),
  version: z.string(),
});
export type HealthView = z.infer<typeof Health>;

export const healthRoute = route({
  operationId: 'health',
  method: 'GET',
  path: '/api/health',
  summary: 'Whether Postgres and Redis answer',
  tags: ['platform'],
  auth: 'none',
  responses: {
    200: { description: 'Healthy, or degraded when only the cache is down', schema: Health },
    503: { description: 'Postgres is down', schema: Health },
  },
});

const within = <T>(ms: number, work: Promise<T>, fallback: T): Promise<T> =>
  Promise.race([work.catch(() => fallback), new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);

const postgresUp = async (): Promise<boolean> => {
  const [row] = await db()`select 1 as ok`;
  return row?.ok === 1;
};

/** Postgres down is unhealthy; Redis down only degrades, as the cache is optional. */
export const health = async (): Promise<HealthView> => {
  const [pg, cache] = await Promise.all([within(2000, postgresUp(), false), within(1000, cacheUp(), false)]);
  return {
    status: !pg ? 'unhealthy' : cache ? 'healthy' : 'degraded',
    services: { postgres: pg ? 'operational' : 'down', redis: cache ? 'operational' : 'down' },
    version: config.version(),
  };
};
