/**
 * The fault drill over HTTP against `npm run dev` itself: its Redis bridge
 * (to the real Redis, REDIS_URL or 127.0.0.1:6379), serverless-offline and
 * the bundled handlers, on this run's database reached through a proxy that
 * can lose a COMMIT's answer. Its top-ups are card payments through Stripe:
 * the bundled SDK against a stand-in of Stripe's API, each confirmed by
 * Stripe's signed event. The dev server must outlive every fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-services';
import { expectCreditedOnce, expectDrillHeld, expectReplayedOnce, lostCommitAnswer, lostConfirmationAnswer, runDrill, type Send } from '../support/drill';
import { realRedis } from '../support/faults';
import { startOffline, type Offline } from '../support/offline';
import { startPgProxy, type PgProxy } from '../support/pg-proxy';
import { startStripeStandIn, type StandIn } from '../support/stripe';

const admin = await realRedis();
let dev: Offline | undefined;
let proxy: PgProxy;
let stripe: StandIn;

beforeAll(async () => {
  proxy = await startPgProxy(process.env.DATABASE_URL!);
  stripe = await startStripeStandIn();
  dev = await startOffline({
    viaDev: true,
    env: {
      DATABASE_URL: proxy.url,
      // Unset, so that `npm run dev` starts its own bridge to Redis.
      UPSTASH_REDIS_REST_URL: '',
      UPSTASH_REDIS_REST_TOKEN: '',
      REDIS_URL: admin?.options.url ?? 'redis://127.0.0.1:1',
      REDIS_BRIDGE_PORT: String(await freePort()),
      LOG_LEVEL: 'WARN',
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_dev_drill',
      STRIPE_API_BASE: stripe.url,
    },
    startTimeoutMs: 120_000,
  });
}, 150_000);

afterAll(async () => {
  await dev?.stop();
  await proxy?.close();
  await stripe?.close();
  admin?.disconnect();
});

const overHttp: Send = async (request) => {
  const headers: Record<string, string> = {};
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  if (request.key) headers['idempotency-key'] = request.key;
  if (request.body !== undefined || request.raw !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, request.headers);
  const res = await fetch(`${dev!.url}${request.path}`, {
    method: request.method,
    headers,
    body: request.raw ?? (request.body === undefined ? undefined : JSON.stringify(request.body)),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status >= 400) expect(res.headers.get('content-type')).toBe('application/problem+json');
  return { status: res.status, body: text ? JSON.parse(text) : undefined, replayed: res.headers.get('idempotent-replayed') === 'true' };
};

const alive = async () => {
  const health = await overHttp({ method: 'GET', path: '/api/health' });
  expect(health.status, dev!.output()).toBe(200);
};

describe('the fault drill through npm run dev', () => {
  for (const round of [1, 2]) {
    it(`survives cut connections, a stalled Redis and dropped Redis clients (round ${round})`, async () => {
      const report = await runDrill({
        send: overHttp,
        databaseUrl: process.env.DATABASE_URL!,
        redis: admin ? { admin } : undefined,
        fans: 12,
        concurrency: 8,
        calmAfterMs: 2000,
        stripe,
      });
      console.log(`dev drill round ${round}: ${JSON.stringify(report)}`);
      expectDrillHeld(report, dev!.output());
      await alive();
    }, 150_000);
  }

  it('replays a payment whose COMMIT answer was lost, moving nothing more', async () => {
    const seen = await lostCommitAnswer({ send: overHttp, databaseUrl: process.env.DATABASE_URL!, loseAnswer: (statement) => proxy.loseNextAnswer(statement), stripe });
    expectReplayedOnce(seen);
    await alive();
  });

  it("acknowledges Stripe's redelivery of a confirmation whose answer was lost, crediting once", async () => {
    const seen = await lostConfirmationAnswer({ send: overHttp, databaseUrl: process.env.DATABASE_URL!, loseAnswer: (statement) => proxy.loseNextAnswer(statement), stripe });
    expectCreditedOnce(seen);
    await alive();
  });
});
