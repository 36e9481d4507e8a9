/** The load loop, percentiles, scratch set-up, CPU time and table cells the benchmarks share. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

export type Stats = { count: number; perSecond: number; p50: number; p95: number; errors: number; firstError?: string };

export const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;

/** `workers` loops calling `op(worker)` back to back until the time is up; a throw counts as an error, not a call. */
export const drive = async (workers: number, seconds: number, op: (worker: number) => Promise<void>): Promise<Stats> => {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < end) {
        const began = performance.now();
        try {
          await op(worker);
          latencies.push(performance.now() - began);
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), errors, firstError };
};

/**
 * Points the lib at a bench's scratch database and Redis bridge, before the
 * bench first imports it (the lib reads its settings, and the logger its
 * level, on first use). Its fans call far faster than people do: their
 * requests are counted, far below the limits.
 */
export const useScratch = (scratch: { databaseUrl: string; redis: { url: string; token: string } }, poolMax: number): void => {
  Object.assign(process.env, {
    DATABASE_URL: scratch.databaseUrl,
    UPSTASH_REDIS_REST_URL: scratch.redis.url,
    UPSTASH_REDIS_REST_TOKEN: scratch.redis.token,
    JWT_SECRET: randomBytes(32).toString('hex'),
    BCRYPT_COST: '10',
    RATE_LIMIT_SCALE: '1000',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    PG_POOL_MAX: String(poolMax),
    PG_POOLER: 'none',
  });
};

/** Busy CPU time of the whole machine so far, in ms (Linux), or undefined elsewhere. */
export const machineCpuMs = async (): Promise<number | undefined> => {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  if (ticks.length < 4) return undefined;
  const idle = ticks[3]! + (ticks[4] ?? 0); // idle + iowait
  return ((ticks.reduce((a, b) => a + b, 0) - idle) * 1000) / 100; // USER_HZ is 100 on Linux
};

/** Table cells: text padded to a column's width, a number right-aligned (– when not a number). */
export const left = (v: string, width: number) => v.padEnd(width);
export const right = (v: string, width: number) => v.padStart(width);
export const num = (v: number, width: number, digits = 0) => right(Number.isFinite(v) ? v.toFixed(digits) : '–', width);
