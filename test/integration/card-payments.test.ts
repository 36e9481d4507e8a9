/**
 * Card top-ups through Stripe: the SDK against a stand-in of Stripe's API
 * (test/support/stripe.ts), and Stripe's events signed with the SDK's own
 * helper. A deposit credits the wallet only after a correctly signed
 * `payment_intent.succeeded`, exactly once, with the amount received; a
 * chargeback takes back what it can, records the rest as owed and freezes
 * the wallet's payments; the books balance throughout.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as getDeposit } from '../../functions/wallet/deposit-get';
import { handler as listDeposits } from '../../functions/wallet/deposits-list';
import { db } from '../../lib/db';
import { paymentProvider } from '../../lib/payments/provider';
import { cancelAbandonedTopUps } from '../../lib/wallet/deposits';
import { expectProblem } from '../support/assertions';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { collectThrough, disputeOf, signed, startStripeStandIn, stripeEventOf, type Intent, type StandIn } from '../support/stripe';
import { buy, newEvent } from '../support/tickets';
import { balanceOf, deliver, deposit, key, send } from '../support/wallet';

let stripe: StandIn;

beforeAll(async () => {
  stripe = collectThrough(await startStripeStandIn());
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await stripe.close();
});

const intentOf = (opened: { body: { payment: { payment_intent_id: string } } }): Intent => stripe.intents.get(opened.body.payment.payment_intent_id)!;
const succeeded = (intent: Intent) => signed(stripeEventOf('payment_intent.succeeded', intent));

/** A deposit opened (202), paid at the stand-in and confirmed by Stripe's signed event. */
const topUp = async (fan: Fan, amount: number, received = amount) => {
  const opened = await deposit(fan, amount);
  expect(opened.status, opened.raw).toBe(202);
  const intent = stripe.pay(opened.body.payment.payment_intent_id, received);
  const confirmed = await deliver(succeeded(intent));
  expect(confirmed.body).toEqual({ received: true, outcome: 'credited' });
  return { deposit: opened.body.deposit as { id: string }, intent };
};

const depositOf = (fan: Fan, id: string) => invoke(getDeposit, { path: `/api/wallet/deposits/${id}`, token: fan.token, params: { id } });
const entriesOf = async (fan: Fan) =>
  db()<{ type: string; amount: number }[]>`select type, amount from transactions where user_id = ${fan.id} order by seq`;

/** The ledger as a whole: every transfer sums to zero, every balance is its entries' sum, no fan below zero. */
const expectBooksBalanced = async () => {
  const [books] = await db()<{ unbalanced: number; total: number; drifted: number; negative: number }[]>`
    select
      (select count(*)::int from (select transfer_id from transactions group by transfer_id having sum(amount) <> 0) u) as unbalanced,
      (select coalesce(sum(amount), 0)::bigint from transactions) as total,
      (select count(*)::int from wallets w where w.balance <> (select coalesce(sum(amount), 0) from transactions t where t.wallet_id = w.id)) as drifted,
      (select count(*)::int from wallets where user_id is not null and balance < 0) as negative`;
  expect(books).toEqual({ unbalanced: 0, total: 0, drifted: 0, negative: 0 });
};

describe('a card top-up with Stripe', () => {
  it('opens a pending deposit and its PaymentIntent (202); the balance does not move', async () => {
    const fan = await newFan();
    const opened = await deposit(fan, 2500);
    expect(opened.status).toBe(202);
    expect(opened.body).toEqual({
      deposit: {
        id: expect.any(String), status: 'pending', amount: 2500, amount_received: null, currency: 'EUR', display: '25.00', method: 'card',
        provider: 'stripe', created_at: expect.any(String), credited_at: null, dispute: null,
      },
      payment: { provider: 'stripe', payment_intent_id: expect.stringMatching(/^pi_/), client_secret: expect.stringMatching(/^pi_\w+_secret_/) },
    });
    const intent = intentOf(opened);
    expect(intent).toMatchObject({ amount: 2500, currency: 'eur', metadata: { deposit_id: opened.body.deposit.id, user_id: fan.id } });
    expect(stripe.requests.filter((r) => r.path === '/v1/payment_intents').at(-1)!.key).toBe(`deposit-${opened.body.deposit.id}`);
    expect(await balanceOf(fan)).toBe(0);
    expect((await depositOf(fan, opened.body.deposit.id)).body).toMatchObject({ status: 'pending', amount_received: null });
  });

  it('answers a retry with the same key with the same bytes and the same PaymentIntent, never a second', async () => {
    const fan = await newFan();
    const k = key();
    const first = await deposit(fan, 3000, k);
    const created = stripe.intents.size;
    const again = await deposit(fan, 3000, k);
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.raw).toBe(first.raw);
    expect(stripe.intents.size).toBe(created);
    expectProblem(await deposit(fan, 3100, k), 422, '/problems/idempotency-key-reused');
  });

  it("answers 503 while Stripe fails, and the retry with the same key creates the PaymentIntent once", async () => {
    const fan = await newFan();
    const k = key();
    stripe.failNext(2); // the SDK's attempt and its one retry
    const down = await deposit(fan, 4000, k);
    expectProblem(down, 503, '/problems/service-unavailable');
    expect(down.headers['retry-after']).toBeDefined();
    const retried = await deposit(fan, 4000, k);
    expect(retried.status).toBe(202);
    const intent = intentOf(retried);
    expect([...stripe.intents.values()].filter((i) => i.metadata.deposit_id === retried.body.deposit.id)).toEqual([intent]);
    stripe.pay(intent.id);
    expect((await deliver(succeeded(intent))).body.outcome).toBe('credited');
    expect(await balanceOf(fan)).toBe(4000);
  });

  it('credits the wallet once, after a correctly signed payment_intent.succeeded, and notifies the fan', async () => {
    const fan = await newFan();
    const { deposit: opened } = await topUp(fan, 5000);
    expect(await balanceOf(fan)).toBe(5000);
    const shown = await depositOf(fan, opened.id);
    expect(shown.body).toMatchObject({ status: 'succeeded', amount: 5000, amount_received: 5000, credited_at: expect.any(String) });
    expect(await entriesOf(fan)).toEqual([{ type: 'deposit', amount: 5000 }]);
    const [notification] = await db()`select kind, payload from notifications where user_id = ${fan.id}`;
    expect(notification).toMatchObject({ kind: 'deposit-credited', payload: { deposit_id: opened.id, amount: 5000 } });
    await expectBooksBalanced();
  });

  it('credits the same event delivered twice, then ten times at once, exactly once', async () => {
    const fan = await newFan();
    const opened = await deposit(fan, 6000);
    const delivery = succeeded(stripe.pay(opened.body.payment.payment_intent_id));
    expect((await deliver(delivery)).body.outcome).toBe('credited');
    expect((await deliver(delivery)).body.outcome).toBe('duplicate');
    const other = await deposit(fan, 7000);
    const burst = succeeded(stripe.pay(other.body.payment.payment_intent_id));
    const outcomes = (await Promise.all(Array.from({ length: 10 }, () => deliver(burst)))).map((r) => r.body.outcome).sort();
    expect(outcomes).toEqual(['credited', ...Array(9).fill('duplicate')]);
    expect(await balanceOf(fan)).toBe(13_000);
    expect(await entriesOf(fan)).toEqual([{ type: 'deposit', amount: 6000 }, { type: 'deposit', amount: 7000 }]);
    await expectBooksBalanced();
  });

  it('credits what Stripe received, not what was asked', async () => {
    const fan = await newFan();
    const { deposit: opened } = await topUp(fan, 8000, 7450);
    expect(await balanceOf(fan)).toBe(7450);
    expect((await depositOf(fan, opened.id)).body).toMatchObject({ amount: 8000, amount_received: 7450, status: 'succeeded' });
  });

  it('refuses a forged, a stale and a missing signature with 400, changing nothing', async () => {
    const fan = await newFan();
    const opened = await deposit(fan, 2000);
    const intent = stripe.pay(opened.body.payment.payment_intent_id);
    const event = stripeEventOf('payment_intent.succeeded', intent);
    const forged = signed(event, { secret: 'whsec_not_ours' });
    const stale = signed(event, { at: Math.floor(Date.now() / 1000) - 301 });
    const tampered = { ...signed(event), payload: JSON.stringify({ ...event, data: { object: { ...intent, amount_received: 2_000_000 } } }) };
    for (const delivery of [forged, stale, tampered, { payload: signed(event).payload }]) expectProblem(await deliver(delivery), 400, '/problems/invalid-signature');
    expect(await balanceOf(fan)).toBe(0);
    expect((await depositOf(fan, opened.body.deposit.id)).body.status).toBe('pending');
    expect((await deliver(signed(event))).body.outcome).toBe('credited');
    expect(await balanceOf(fan)).toBe(2000);
  });

  it('marks a failed or cancelled payment failed; a failed one that is paid later is still credited', async () => {
    const fan = await newFan();
    const opened = await deposit(fan, 3500);
    const intent = intentOf(opened);
    expect((await deliver(signed(stripeEventOf('payment_intent.payment_failed', intent)))).body.outcome).toBe('failed');
    expect((await depositOf(fan, opened.body.deposit.id)).body.status).toBe('failed');
    stripe.pay(intent.id);
    expect((await deliver(succeeded(intent))).body.outcome).toBe('credited');
    expect((await depositOf(fan, opened.body.deposit.id)).body.status).toBe('succeeded');

    const cancelled = await deposit(fan, 1500);
    expect((await deliver(signed(stripeEventOf('payment_intent.canceled', stripe.cancel(intentOf(cancelled).id))))).body.outcome).toBe('failed');
    expect((await depositOf(fan, cancelled.body.deposit.id)).body.status).toBe('failed');
    expect(await balanceOf(fan)).toBe(3500);
  });

  it('counts pending and failed deposits against the limits, until their payment is cancelled', async () => {
    const fan = await newFan();
    const first = await deposit(fan, 100_000);
    expect((await deposit(fan, 100_000)).status).toBe(202);
    const over = await deposit(fan, 100);
    expectProblem(over, 422, '/problems/daily-deposit-limit');
    expect(over.body.remaining).toBe(0);
    // A failed payment may still be paid with another card: were it not counted, €3,000 could come in within a day.
    await deliver(signed(stripeEventOf('payment_intent.payment_failed', intentOf(first))));
    expectProblem(await deposit(fan, 100), 422, '/problems/daily-deposit-limit');
    await deliver(signed(stripeEventOf('payment_intent.canceled', stripe.cancel(intentOf(first).id))));
    expect((await deposit(fan, 100)).status).toBe(202);
  });

  it('cancels a top-up left unpaid for an hour, which then stops counting; one paid meanwhile is left to its confirmation', async () => {
    const fan = await newFan();
    const abandoned = await deposit(fan, 100_000);
    const paidLate = await deposit(fan, 100_000);
    stripe.pay(intentOf(paidLate).id);
    await db()`update deposits set created_at = created_at - interval '61 minutes' where user_id = ${fan.id}`;
    const done = await cancelAbandonedTopUps();
    expect(done.canceled).toBeGreaterThanOrEqual(1);
    expect(done.paid).toBeGreaterThanOrEqual(1);
    expect(intentOf(abandoned).status).toBe('canceled');
    expect((await depositOf(fan, abandoned.body.deposit.id)).body.status).toBe('failed');
    expect((await depositOf(fan, paidLate.body.deposit.id)).body.status).toBe('pending');
    // Stripe's own cancellation event, arriving after, changes nothing more.
    expect((await deliver(signed(stripeEventOf('payment_intent.canceled', intentOf(abandoned))))).body.outcome).toBe('duplicate');
    expect((await deliver(succeeded(intentOf(paidLate)))).body.outcome).toBe('credited');
    expect((await deposit(fan, 100_000)).status).toBe(202);
    expect(await balanceOf(fan)).toBe(100_000);
  });

  it('lets no burst of concurrent top-ups slip past the daily limit', async () => {
    const fan = await newFan();
    const answers = await Promise.all(Array.from({ length: 6 }, () => deposit(fan, 80_000)));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 202, 422, 422, 422, 422]);
    const [opened] = await db()<{ pending: number }[]>`select sum(amount)::int as pending from deposits where user_id = ${fan.id}`;
    expect(opened!.pending).toBe(160_000);
  });

  it("refuses less than Stripe's €0.50 with 422, before anything reaches Stripe", async () => {
    const fan = await newFan();
    const before = stripe.requests.length;
    const small = await deposit(fan, 49);
    expectProblem(small, 422, '/problems/deposit-minimum');
    expect(small.body.minimum).toBe(50);
    expect(stripe.requests.length).toBe(before);
  });

  it('acknowledges an event for an unknown PaymentIntent, one that pays no deposit, and a type it does not act on (200), moving nothing', async () => {
    const stranger = { id: 'pi_stranger', object: 'payment_intent', amount: 900, amount_received: 900, currency: 'eur', metadata: { deposit_id: randomUUID() } };
    expect((await deliver(signed(stripeEventOf('payment_intent.succeeded', stranger))))).toMatchObject({ status: 200, body: { outcome: 'unknown' } });
    expect((await deliver(signed(stripeEventOf('payment_intent.succeeded', { ...stranger, metadata: {} })))).body.outcome).toBe('ignored');
    expect((await deliver(signed(stripeEventOf('customer.created', { id: 'cus_1', object: 'customer' })))).body.outcome).toBe('ignored');
    expect((await deliver(signed(stripeEventOf('charge.dispute.created', disputeOf({ ...stranger, id: 'pi_unknown' } as unknown as Intent, 900))))).body.outcome).toBe('unknown');
    await expectBooksBalanced();
  });

  it('refuses, with 400 so that Stripe sends it again, an event of a handled type whose object it cannot read', async () => {
    expectProblem(await deliver(signed(stripeEventOf('payment_intent.succeeded', { id: 'pi_x', amount_received: 'a lot' }))), 400, '/problems/validation-error');
  });
});

describe('a chargeback', () => {
  it('takes back what the spent wallet holds, records the rest as owed, freezes payments; top-ups pay it back and thaw it', async () => {
    const [fan, friend] = [await newFan(), await newFan()];
    const { intent } = await topUp(fan, 10_000);
    expect((await send(fan, friend.id, 7000)).status).toBe(201);

    const dispute = disputeOf(intent, 10_000);
    const opened = signed(stripeEventOf('charge.dispute.created', dispute));
    expect((await deliver(opened)).body.outcome).toBe('disputed');
    expect((await deliver(opened)).body.outcome).toBe('duplicate');
    expect(await balanceOf(fan)).toBe(0);
    const depositId = intent.metadata.deposit_id!;
    expect((await depositOf(fan, depositId)).body).toMatchObject({
      status: 'disputed',
      dispute: { status: 'open', amount: 10_000, taken_back: 3000, owed: 7000, closed_at: null },
    });
    await expectBooksBalanced();

    // Payments out are frozen; money in is not.
    expectProblem(await send(fan, friend.id, 1), 422, '/problems/wallet-frozen');
    expectProblem(await buy(fan, await newEvent(10, 100)), 422, '/problems/wallet-frozen');
    expect((await send(friend, fan.id, 500)).status).toBe(201);

    // A top-up pays back what is owed first (with the 5.00 received from the friend).
    await topUp(fan, 5000);
    expect(await balanceOf(fan)).toBe(0);
    expect((await depositOf(fan, depositId)).body.dispute).toMatchObject({ taken_back: 8500, owed: 1500 });
    expect((await deliver(signed(stripeEventOf('charge.dispute.closed', { ...dispute, status: 'lost' })))).body.outcome).toBe('closed');
    expectProblem(await send(fan, friend.id, 1), 422, '/problems/wallet-frozen');

    await topUp(fan, 2000);
    expect(await balanceOf(fan)).toBe(500);
    expect((await depositOf(fan, depositId)).body.dispute).toMatchObject({ status: 'lost', taken_back: 10_000, owed: 0 });
    expect((await send(fan, friend.id, 500)).status).toBe(201);
    expect((await entriesOf(fan)).map((e) => e.type)).toEqual([
      'deposit', 'send', 'chargeback', 'receive', 'deposit', 'chargeback', 'deposit', 'chargeback', 'send',
    ]);
    await expectBooksBalanced();
  });

  it('won by the platform, returns what was taken back and lifts the freeze', async () => {
    const fan = await newFan();
    const { intent, deposit: opened } = await topUp(fan, 4000);
    const dispute = disputeOf(intent, 2500);
    expect((await deliver(signed(stripeEventOf('charge.dispute.created', dispute)))).body.outcome).toBe('disputed');
    expect(await balanceOf(fan)).toBe(1500);
    const won = signed(stripeEventOf('charge.dispute.closed', { ...dispute, status: 'won' }));
    expect((await deliver(won)).body.outcome).toBe('closed');
    expect((await deliver(won)).body.outcome).toBe('duplicate');
    expect(await balanceOf(fan)).toBe(4000);
    expect((await depositOf(fan, opened.id)).body).toMatchObject({ status: 'succeeded', dispute: { status: 'won', taken_back: 2500, owed: 0 } });
    expect((await send(fan, (await newFan()).id, 4000)).status).toBe(201);
    await expectBooksBalanced();
  });

  it('closed before it was opened here, is sent again by Stripe (409) and then settles', async () => {
    const fan = await newFan();
    const { intent } = await topUp(fan, 3000);
    const dispute = disputeOf(intent, 3000);
    const closed = signed(stripeEventOf('charge.dispute.closed', { ...dispute, status: 'won' }));
    expectProblem(await deliver(closed), 409, '/problems/dispute-not-opened');
    expect((await deliver(signed(stripeEventOf('charge.dispute.created', dispute)))).body.outcome).toBe('disputed');
    expect(await balanceOf(fan)).toBe(0);
    expect((await deliver(closed)).body.outcome).toBe('closed');
    expect(await balanceOf(fan)).toBe(3000);
    expect((await send(fan, (await newFan()).id, 3000)).status).toBe(201);
    await expectBooksBalanced();
  });

  it('won, returns what was taken back, which pays what another dispute still owes first', async () => {
    const [fan, friend] = [await newFan(), await newFan()];
    const { intent: first, deposit: firstDeposit } = await topUp(fan, 2000);
    const { intent: second } = await topUp(fan, 5000);
    expect((await send(fan, friend.id, 6000)).status).toBe(201);
    const won = disputeOf(second, 5000);
    const lost = disputeOf(first, 2000);
    await deliver(signed(stripeEventOf('charge.dispute.created', won))); // 10.00 taken back, 40.00 owed
    await deliver(signed(stripeEventOf('charge.dispute.created', lost))); // nothing left to take: 20.00 owed
    await deliver(signed(stripeEventOf('charge.dispute.closed', { ...lost, status: 'lost' })));
    expect(await balanceOf(fan)).toBe(0);
    expect((await deliver(signed(stripeEventOf('charge.dispute.closed', { ...won, status: 'won' })))).body.outcome).toBe('closed');
    // The 10.00 returned pays half of what the lost dispute owes; the rest is owed, the wallet still frozen.
    expect(await balanceOf(fan)).toBe(0);
    expect((await depositOf(fan, firstDeposit.id)).body.dispute).toMatchObject({ status: 'lost', taken_back: 1000, owed: 1000 });
    expectProblem(await send(fan, friend.id, 1), 422, '/problems/wallet-frozen');
    await topUp(fan, 1500);
    expect(await balanceOf(fan)).toBe(500);
    expect((await send(fan, friend.id, 500)).status).toBe(201);
    await expectBooksBalanced();
  });

  it('arriving before the payment it disputes, is paid back from that payment when it is credited', async () => {
    const fan = await newFan();
    const opened = await deposit(fan, 3000);
    const intent = stripe.pay(opened.body.payment.payment_intent_id);
    expect((await deliver(signed(stripeEventOf('charge.dispute.created', disputeOf(intent, 3000))))).body.outcome).toBe('disputed');
    expect((await deliver(succeeded(intent))).body.outcome).toBe('credited');
    expect(await balanceOf(fan)).toBe(0);
    expect((await depositOf(fan, opened.body.deposit.id)).body).toMatchObject({ status: 'disputed', dispute: { taken_back: 3000, owed: 0 } });
    await expectBooksBalanced();
  });
});

describe('the fan’s deposits', () => {
  it('lists them newest first in keyset pages, by status if asked; another fan’s is not found', async () => {
    const [fan, other] = [await newFan(), await newFan()];
    const ids: string[] = [];
    for (const amount of [1000, 2000, 3000]) ids.push((await deposit(fan, amount)).body.deposit.id);
    await deliver(signed(stripeEventOf('payment_intent.payment_failed', [...stripe.intents.values()].find((i) => i.metadata.deposit_id === ids[1])!)));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await invoke(listDeposits, { path: '/api/wallet/deposits', token: fan.token, query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((d: { id: string }) => d.id));
      cursor = page.body.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const failed = await invoke(listDeposits, { path: '/api/wallet/deposits', token: fan.token, query: { status: 'failed' } });
    expect(failed.body.items.map((d: { id: string }) => d.id)).toEqual([ids[1]]);
    expectProblem(await depositOf(other, ids[0]!), 404, '/problems/not-found');
  });
});

describe('the payment provider', () => {
  it('is refused on a deployed stage when simulated: no deployed wallet is credited with money nobody paid', () => {
    vi.stubEnv('PAYMENT_PROVIDER', 'simulated');
    vi.stubEnv('STAGE', 'prod');
    expect(() => paymentProvider()).toThrow(/stage prod must set stripe/);
    vi.stubEnv('PAYMENT_PROVIDER', 'stripe');
    expect(paymentProvider().name).toBe('stripe');
    vi.stubEnv('STAGE', 'dev');
  });
});
