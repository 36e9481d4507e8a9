/**
 * The local Redis bridge against a real Redis that drops its clients
 * (`CLIENT KILL`, a restart): it reconnects by itself, and meanwhile answers
 * errors at once rather than hanging; and a bridge with a namespace of its
 * own (a test run's, a bench's) leaves none of its keys behind. Needs a
 * Redis at REDIS_URL (or 127.0.0.1:6379); skipped where none answers.
 */
import { randomBytes } from 'node:crypto';
import { Redis as Upstash } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconnectDelay, startRedisBridge, type RedisBridge } from '../../scripts/redis-bridge';
import { dropBridgeClients, realRedis } from '../support/faults';

const admin = await realRedis();
const namespace = () => `bridge-test-${randomBytes(4).toString('hex')}:`;
let bridge: RedisBridge;
let rest: Upstash;

beforeAll(async () => {
  bridge = await startRedisBridge({ token: 'reconnect-test', redisUrl: admin!.options.url, keyPrefix: namespace() });
  rest = new Upstash({ url: bridge.url, token: bridge.token, retry: false, enableTelemetry: false });
});
afterAll(async () => {
  await bridge?.close();
  admin?.disconnect();
});

const pingWithin = async (ms: number): Promise<number | undefined> => {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await rest.ping().then((p) => p === 'PONG', () => false)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
};

describe.skipIf(!admin)('redis bridge, when Redis drops its clients', () => {
  it('fronts the real Redis', () => expect(bridge.backend).toBe('redis'));

  it('answers again within a few seconds, each time', async () => {
    for (let round = 0; round < 3; round++) {
      expect(await dropBridgeClients(admin!, bridge.clientName)).toBe(1);
      expect(await pingWithin(5000), `round ${round}`).toBeDefined();
      expect(await rest.set('bridge:reconnect', round)).toBe('OK');
    }
  });

  it('backs off from 100 ms to at most 2 s between attempts', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(reconnectDelay)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });
});

describe.skipIf(!admin)('redis bridge, with a namespace of its own', () => {
  it('forgets every key of its namespace when closed, and no other', async () => {
    const prefix = namespace();
    const own = await startRedisBridge({ token: 'namespace-test', redisUrl: admin!.options.url, keyPrefix: prefix });
    const client = new Upstash({ url: own.url, token: own.token, retry: false, enableTelemetry: false });
    // More than one SCAN page, with and without a TTL.
    await Promise.all(Array.from({ length: 1500 }, (_, i) => client.set(`key:${i}`, i, i % 2 ? { ex: 600 } : undefined)));
    const neighbour = `${namespace()}kept`;
    await admin!.set(neighbour, 'not the bridge\'s', 'EX', 60);
    expect((await admin!.keys(`${prefix}*`)).length).toBe(1500);
    await own.close();
    expect(await admin!.keys(`${prefix}*`)).toEqual([]);
    expect(await admin!.get(neighbour)).toBe("not the bridge's");
    await admin!.del(neighbour);
  });
});
