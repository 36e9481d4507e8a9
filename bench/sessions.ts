/**
 * `npm run bench -- sessions`: what it costs every authenticated request to
 * refuse the access tokens of ended sessions at once.
 *
 * The same fan's access token read WORKERS at a time, back to back, for
 * SECONDS each way: its signature alone (`readAccessToken`, what a request
 * paid before), then with the check `authenticate` now makes
 * (`readLiveAccessToken`) as it runs in steady state (one MGET to Redis),
 * when Redis cannot vouch for its voids (it lost its data less than a token
 * lifetime ago: Redis, then Postgres), and with Redis unreachable (Postgres
 * alone, after a refused connection). In-process, on a fresh database and
 * the Redis bridge in its own process, as the other benches. Prints figures,
 * asserts nothing.
 */
import { startScratch } from '../scripts/local-services';
import { drive, left, num, useScratch, type Stats } from './measure';
import { startBridgeProcess } from './redis-bridge-process';
import type { Figure } from './summary';

const WORKERS = 8;
const SECONDS = 3;

export const main = async (): Promise<Figure[]> => {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const scratch = await startScratch('bench', { seed: false, redis: startBridgeProcess });
    cleanups.push(scratch.stop);
    await useScratch(scratch, WORKERS);
    // Only now: the lib reads its settings on first use.
    const { newFan } = await import('../test/support/fans');
    const { readAccessToken } = await import('../lib/auth/tokens');
    const { readLiveAccessToken, MIRROR_SINCE } = await import('../lib/auth/revocation');
    const { redis, resetRedis } = await import('../lib/redis');
    const { closeDb } = await import('../lib/db');
    cleanups.push(closeDb);

    const { token } = await newFan();
    const measure = (read: (token: string) => Promise<unknown>) => drive(WORKERS, SECONDS, async () => void (await read(token)));

    const signature = await measure(readAccessToken);
    await redis()!.set(MIRROR_SINCE, 0);
    const steady = await measure(readLiveAccessToken);
    await redis()!.del(MIRROR_SINCE);
    const unvouched = await measure(readLiveAccessToken);
    process.env.UPSTASH_REDIS_REST_URL = 'http://127.0.0.1:1';
    resetRedis();
    const redisOut = await measure(readLiveAccessToken);

    const rows: [string, Stats][] = [
      ['signature only (before)', signature],
      ['+ check, Redis vouching (steady state)', steady],
      ['+ check, Redis not vouching: Redis, then Postgres', unvouched],
      ['+ check, Redis unreachable: Postgres', redisOut],
    ];
    console.log(`\nreading one access token, ${WORKERS} at a time for ${SECONDS} s each (ms)\n`);
    console.log(`${left('', 52)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'reads/s'.padStart(10)}${'errors'.padStart(8)}`);
    for (const [label, s] of rows) console.log(`${left(label, 52)}${num(s.p50, 8, 2)}${num(s.p95, 8, 2)}${num(s.perSecond, 10)}${num(s.errors, 8)}`);
    return [
      {
        figure: 'ended-session check per request, p50 (steady state)',
        measured: `+${(steady.p50 - signature.p50).toFixed(2)} ms`,
        baseline: `${signature.p50.toFixed(2)} ms signature only`,
        target: 'one Redis round trip',
      },
      { figure: 'ended-session check, Redis unreachable, p50', measured: `+${(redisOut.p50 - signature.p50).toFixed(2)} ms`, baseline: 'fails closed', target: 'Postgres, not open' },
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
};
