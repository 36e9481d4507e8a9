/**
 * The fault drill through the handlers, in this process: database sessions
 * cut twice, Redis stalled and its clients dropped, under concurrent
 * transfers, deposits, request payments, shop checkouts, ticket purchases
 * and resales (test/support/drill.ts); in the second round each deposit is
 * a card payment that Stripe's signed event confirms (a stand-in of
 * Stripe's API, test/support/stripe.ts).
 *
 * Redis is a bridge of this file's own to the real Redis (REDIS_URL, else
 * 127.0.0.1:6379), so that stalling and dropping it is what the API sees;
 * where no Redis answers, only the database faults run. This suite runs
 * after all others (vitest.config.ts), since a stalled Redis is stalled for
 * everyone.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as health } from '../../functions/health/get';
import { handler as stripeWebhook } from '../../functions/payments/stripe-webhook';
import { handler as cartAdd } from '../../functions/shop/cart-add';
import { handler as checkout } from '../../functions/shop/checkout';
import { handler as deposit } from '../../functions/wallet/deposit';
import { handler as requestCreate } from '../../functions/wallet/request-create';
import { handler as requestPay } from '../../functions/wallet/request-pay';
import { handler as ticketPurchase } from '../../functions/tickets/purchase';
import { handler as queueJoin } from '../../functions/tickets/queue-join';
import { handler as resaleBuy } from '../../functions/tickets/resale-buy';
import { handler as resaleOffer } from '../../functions/tickets/resale-offer';
import { handler as transfer } from '../../functions/wallet/transfer';
import { closeDb } from '../../lib/db';
import { resetRedis } from '../../lib/redis';
import { startRedisBridge, type RedisBridge } from '../../scripts/redis-bridge';
import { expectCreditedOnce, expectDrillHeld, expectReplayedOnce, lostCommitAnswer, lostConfirmationAnswer, runDrill, type DrillRequest, type Send } from '../support/drill';
import { realRedis } from '../support/faults';
import { invoke } from '../support/http';
import { startPgProxy, type PgProxy } from '../support/pg-proxy';
import { collectThrough, startStripeStandIn, type StandIn } from '../support/stripe';

const admin = await realRedis();
let bridge: RedisBridge | undefined;
let stripe: StandIn;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  if (!admin) return;
  bridge = await startRedisBridge({ token: 'drill', redisUrl: admin.options.url });
  vi.stubEnv('UPSTASH_REDIS_REST_URL', bridge.url);
  vi.stubEnv('UPSTASH_REDIS_REST_TOKEN', bridge.token);
  resetRedis();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  resetRedis();
  await closeDb();
  await stripe.close();
  await bridge?.close();
  admin?.disconnect();
});

const PAY = /^\/api\/wallet\/requests\/([^/]+)\/pay$/;
const OFFER = /^\/api\/tickets\/([^/]+)\/resale$/;
const RESALE = /^\/api\/tickets\/resale\/([^/]+)\/buy$/;
const QUEUE = /^\/api\/tickets\/events\/([^/]+)\/queue$/;
const handlerOf = ({ method, path }: DrillRequest): [unknown, Record<string, string>?] => {
  if (method === 'GET' && path === '/api/health') return [health];
  if (path === '/api/wallet/deposit') return [deposit];
  if (path === '/api/payments/webhooks/stripe') return [stripeWebhook];
  if (path === '/api/wallet/transfers') return [transfer];
  if (path === '/api/wallet/requests') return [requestCreate];
  if (path === '/api/shop/cart') return [cartAdd];
  if (path === '/api/shop/checkout') return [checkout];
  if (path === '/api/tickets/purchase') return [ticketPurchase];
  for (const [pattern, handler] of [[PAY, requestPay], [OFFER, resaleOffer], [RESALE, resaleBuy], [QUEUE, queueJoin]] as const) {
    const match = pattern.exec(path);
    if (match) return [handler, { id: match[1]! }];
  }
  throw new Error(`the drill has no handler for ${method} ${path}`);
};

const inProcess: Send = async (request) => {
  const [handler, params] = handlerOf(request);
  const answer = await invoke(handler, {
    method: request.method,
    path: request.path,
    token: request.token,
    body: request.body,
    rawBody: request.raw,
    params,
    headers: { ...(request.key ? { 'idempotency-key': request.key } : {}), ...(request.raw ? { 'content-type': 'application/json' } : {}), ...request.headers },
  });
  if (answer.status >= 400) expect(answer.headers['content-type']).toBe('application/problem+json');
  return { status: answer.status, body: answer.body, replayed: answer.headers['idempotent-replayed'] === 'true' };
};

describe('the fault drill, in process', () => {
  for (const round of [1, 2]) {
    it(`keeps every movement exactly once through cut connections and a stalled Redis (round ${round})`, async () => {
      const report = await runDrill({
        send: inProcess,
        databaseUrl: process.env.DATABASE_URL!,
        redis: admin && bridge ? { admin, clientName: bridge.clientName } : undefined,
        fans: 16,
        concurrency: 12,
        stripe: round === 2 ? collectThrough(stripe) : undefined,
      });
      vi.stubEnv('PAYMENT_PROVIDER', 'simulated');
      console.log(`drill round ${round}${round === 2 ? ' (card top-ups through Stripe)' : ''}: ${JSON.stringify(report)}`);
      expectDrillHeld(report);
      expect(report.succeeded).toBeGreaterThan(100);
    }, 120_000);
  }
});

describe('a payment whose COMMIT answer is lost', () => {
  let proxy: PgProxy;
  beforeAll(async () => {
    proxy = await startPgProxy(process.env.DATABASE_URL!);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await closeDb();
    await proxy.close();
  });

  it('fails with 503, and its retry with the same key replays the outcome and moves nothing more', async () => {
    const databaseUrl = process.env.DATABASE_URL!;
    vi.stubEnv('DATABASE_URL', proxy.url);
    await closeDb();
    const seen = await lostCommitAnswer({ send: inProcess, databaseUrl, loseAnswer: (statement) => proxy.loseNextAnswer(statement) });
    expect(proxy.lostAnswers()).toBe(1);
    expectReplayedOnce(seen);
  });

  it("fails Stripe's confirmation of a card top-up with 503, and its redelivery is acknowledged, credited once", async () => {
    const databaseUrl = process.env.DATABASE_URL!;
    vi.stubEnv('DATABASE_URL', proxy.url);
    await closeDb();
    const seen = await lostConfirmationAnswer({ send: inProcess, databaseUrl, loseAnswer: (statement) => proxy.loseNextAnswer(statement), stripe: collectThrough(stripe) });
    expectCreditedOnce(seen);
  });
});
