/**
 * Connections under a crowd, through the real `serverless offline start`.
 * There, a request that arrives while every instance of its function is busy
 * gets a worker thread of its own, which imports the function anew: its own
 * module, its own pool, as a burst gets containers of its own on Lambda.
 * Once the burst is over, each of them gives its connection back within
 * seconds (lib/db.ts), and the database serves other clients again; with
 * the 20 s idle timeout of before, a burst kept them all for that long
 * while Postgres refused others ("sorry, too many clients already").
 *
 * The server gets a database of its own, with nothing in it (GET /api/health
 * needs none), so the connections counted are its alone: the run's other
 * files hold theirs on the run's database, under the same application_name.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, ensureDatabase } from '../../scripts/local-services';
import { startRedisBridge, type RedisBridge } from '../../scripts/redis-bridge';
import { startOffline, type Offline } from '../support/offline';

const FANS = 16;
const server = process.env.DATABASE_URL!;
const database = `${new URL(server).pathname.slice(1)}_crowd`;

let offline: Offline | undefined;
let bridge: RedisBridge | undefined;
let databaseUrl: string;
const admin = postgres(server, { max: 1, onnotice: () => {} });

beforeAll(async () => {
  databaseUrl = await ensureDatabase(server, database);
  bridge = await startRedisBridge({ token: randomBytes(16).toString('hex') }); // no redisUrl: in memory
  offline = await startOffline({ env: { DATABASE_URL: databaseUrl, UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token } });
}, 120_000);

afterAll(async () => {
  await offline?.stop();
  await bridge?.close();
  await admin.end({ timeout: 1 });
  await dropDatabase(server, database);
});

/** The API's connections to the server's database, open now. */
const held = async (): Promise<number> => {
  const [row] = await admin<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = ${database} and application_name = 'paiecashfan-api'`;
  return row!.n;
};

describe('a burst of fans through serverless-offline', () => {
  it('is served by containers of their own, whose connections all go back within seconds; another client then connects', async () => {
    let peak = 0;
    let bursting = true;
    const watching = (async () => {
      while (bursting) {
        peak = Math.max(peak, await held());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const statuses = await Promise.all(
      Array.from({ length: FANS }, async () => {
        const res = await fetch(`${offline!.url}/api/health`, { signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    bursting = false;
    await watching;
    expect(statuses).toEqual(Array.from({ length: FANS }, () => 200));
    // Several containers, each with a connection of its own, and never more connections than requests.
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(FANS);

    await expect.poll(held, { timeout: 10_000, interval: 250 }).toBe(0);
    const outsider = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await outsider<{ ok: number }[]>`select 1 as ok`;
      expect(row).toEqual({ ok: 1 });
    } finally {
      await outsider.end({ timeout: 1 });
    }
  });
});
