/**
 * The fault drill: many fans move money at once, each request with its own
 * Idempotency-Key and retried with that key while it gets a 5xx, 409, 429 or
 * a dropped connection (as a careful client does), while the database
 * connections are cut and Redis stalls and drops its clients. Then the books
 * are checked in Postgres: every key settled exactly once, every balance is
 * its start plus what the final answers say, the ledger sums to zero, and
 * the stock, the seats and the resold tickets are where the answers say.
 *
 * The same drill runs in-process through the handlers and over HTTP through
 * `npm run dev`; only `send` differs. With `stripe`, a stand-in of Stripe's
 * API, every top-up is a card payment: opened (202), paid at the stand-in,
 * then confirmed by Stripe's signed event, delivered twice at once and each
 * delivery retried until acknowledged, as Stripe redelivers what failed.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import postgres from 'postgres';
import { expect } from 'vitest';
import { signAccessToken } from '../../lib/auth/tokens';
import { cutDatabase, dropBridgeClients, stallRedis } from './faults';
import { signed, stripeEventOf, type StandIn } from './stripe';

/** One request; `raw` and `headers` for a webhook's signed body. */
export type DrillRequest = { method: 'GET' | 'POST'; path: string; token?: string; key?: string; body?: unknown; raw?: string; headers?: Record<string, string> };
export type DrillAnswer = { status: number; body: any; replayed: boolean };
/** One request; rejects when the connection itself fails. */
export type Send = (request: DrillRequest) => Promise<DrillAnswer>;

export type DrillOptions = {
  send: Send;
  /** Where the drill sets up its fans and checks the books, and whose sessions it cuts. */
  databaseUrl: string;
  /** The Redis behind the API's REST bridge; without it the Redis faults are skipped. */
  redis?: { admin: Redis; clientName?: string };
  fans?: number;
  concurrency?: number;
  /** How long the drill goes on moving money after the last fault. */
  calmAfterMs?: number;
  /** The stand-in of Stripe's API the API under test collects top-ups through; without it, top-ups are the simulated provider's. */
  stripe?: StandIn;
};

/** `pass`: admitted to the drill match's waiting room. */
type Fan = { id: string; token: string; pass?: string };
type Op =
  | { kind: 'transfer'; from: Fan; to: Fan; amount: number }
  | { kind: 'deposit'; fan: Fan; amount: number; received?: number }
  | { kind: 'pay'; payer: Fan; requester: Fan; requestId: string; amount: number }
  | { kind: 'checkout'; fan: Fan; product: string }
  | { kind: 'ticket'; fan: Fan; event: string }
  | { kind: 'resale'; buyer: Fan; seller: Fan; offerId: string; ticketId: string; price: number };

type Sample = { at: number; status: number };

export type DrillReport = {
  ops: number;
  succeeded: number;
  /** Successes by kind of op: each kind must have run. */
  byKind: Record<Op['kind'], number>;
  refused: number;
  unsettled: number;
  retries: number;
  replayed: number;
  faults: string[];
  /** Database sessions terminated by each cut. */
  cuts: number[];
  /** Status → count, for answers during the fault window and outside it (0 = dropped connection). */
  during: Record<number, number>;
  outside: Record<number, number>;
  /** What the books say; the drill passes when each holds. */
  checks: {
    balancesMatchAnswers: boolean;
    transfersMatchSuccesses: boolean;
    keysSettledOnce: boolean;
    ledgerSumsToZero: boolean;
    balancesMatchEntries: boolean;
    noFanBelowZero: boolean;
    /** The drill's product has sold exactly what the checkouts' answers say. */
    stockMatchesOrders: boolean;
    /** The drill's match has sold the seats the purchases' answers say, each a ticket. */
    seatsMatchTickets: boolean;
    /** Each resale answered as bought moved its ticket to its buyer; each other offer is still open. */
    resalesMatchAnswers: boolean;
    /** Each card top-up confirmed is credited once, with what was received; the others are pending. */
    cardDepositsCreditedOnce: boolean;
    healthyAfter: boolean;
  };
  mismatches: string[];
};

/** A movement done: paid (200, 201), or for a card top-up opened (202) and confirmed. */
const SUCCEEDED = new Set([200, 201, 202]);
/** What a careful client retries with the same key; anything else is the request's final answer. */
const RETRYABLE = new Set([0, 409, 429, 500, 502, 503, 504]);
/** The only answers a request may get while faults are under way, besides its final one. */
const DURING_FAULTS = new Set([0, 409, 429, 503]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
const cents = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

const settle = async (send: Send, request: DrillRequest, samples: Sample[], deadline: number) => {
  for (let attempt = 0; ; attempt++) {
    const answer = await send(request).catch((): DrillAnswer => ({ status: 0, body: undefined, replayed: false }));
    samples.push({ at: Date.now(), status: answer.status });
    if (!RETRYABLE.has(answer.status) || Date.now() > deadline) return { answer, attempts: attempt + 1 };
    await sleep(Math.min(50 * 2 ** attempt, 500) * (0.5 + Math.random()));
  }
};

const WEBHOOK = '/api/payments/webhooks/stripe';

/**
 * Confirms an opened card top-up as Stripe would: the PaymentIntent paid at
 * the stand-in (one in five for less than asked), then its signed
 * `payment_intent.succeeded` delivered twice at once, each delivery sent
 * again until acknowledged. The answer of the one not acknowledged, if any.
 */
const confirmCard = async (send: Send, stripe: StandIn, op: Extract<Op, { kind: 'deposit' }>, opened: DrillAnswer, samples: Sample[], deadline: number) => {
  op.received = Math.random() < 0.2 ? op.amount - cents(1, Math.ceil(op.amount / 2)) : op.amount;
  const delivery = signed(stripeEventOf('payment_intent.succeeded', stripe.pay(opened.body.payment.payment_intent_id, op.received)));
  const request: DrillRequest = { method: 'POST', path: WEBHOOK, raw: delivery.payload, headers: { 'stripe-signature': delivery.signature } };
  const deliveries = await Promise.all([settle(send, request, samples, deadline), settle(send, request, samples, deadline)]);
  return deliveries.find((d) => d.answer.status !== 200)?.answer;
};

/** A top-up to its final answer: the deposit's, once a card payment's confirmation is acknowledged too. */
const topUp = async (send: Send, stripe: StandIn | undefined, op: Extract<Op, { kind: 'deposit' }>, samples: Sample[], deadline: number) => {
  const opened = await settle(send, requestOf(op), samples, deadline);
  if (!stripe || opened.answer.status !== 202) return opened;
  const failed = await confirmCard(send, stripe, op, opened.answer, samples, deadline);
  return { answer: failed ?? opened.answer, attempts: opened.attempts };
};

const setUp = async (sql: postgres.Sql, send: Send, count: number, stripe?: StandIn) => {
  const fans: Fan[] = [];
  for (let i = 0; i < count; i++) {
    const [{ id }] = (await sql`
      insert into users (email, password, name) values (${`drill.${randomUUID()}@example.test`}, '!', ${`Drill fan ${i}`})
      returning id`) as unknown as [{ id: string }];
    await sql`insert into wallets (user_id) values (${id})`;
    fans.push({ id, token: await signAccessToken(id) });
  }
  const must = async (request: DrillRequest, expected: number) => {
    const answer = await send(request);
    if (answer.status !== expected) throw new Error(`drill set-up: ${request.path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  for (const fan of fans) {
    const funded = await topUp(send, stripe, { kind: 'deposit', fan, amount: 50_000 }, [], Date.now() + 10_000);
    if (funded.answer.status !== (stripe ? 202 : 201)) throw new Error(`drill set-up: a top-up answered ${funded.answer.status} ${JSON.stringify(funded.answer.body)}`);
  }
  // Each fan asks the next one for money three times; paying those is part of the drill.
  const pays: Op[] = [];
  for (const [i, requester] of fans.entries()) {
    const payer = fans[(i + 1) % fans.length]!;
    for (let n = 0; n < 3; n++) {
      const amount = cents(100, 900);
      const request = await must({ method: 'POST', path: '/api/wallet/requests', token: requester.token, body: { from: payer.id, amount } }, 201);
      pays.push({ kind: 'pay', payer, requester, requestId: request.id, amount });
    }
  }
  // A product of the drill's own, for checkouts: what it sells must match what the answers say.
  const product = `drill-${randomUUID().slice(0, 8)}`;
  await sql`
    insert into products (id, name, club, category, price, stock)
    values (${product}, 'Drill scarf', 'OGC_NICE', 'drill', 250, ${PRODUCT_STOCK})`;
  // A match of the drill's own, sold through its waiting room (which lets everyone in at once), each fan
  // holding a pass; each fan buys tickets for it and offers them for resale to the others.
  const event = `drill-${randomUUID().slice(0, 8)}`;
  await sql`
    insert into events (id, title, club, date, venue, competition, price_from, on_sale_at, waiting_room, admit_per_minute, max_per_fan)
    values (${event}, 'Drill match', 'OGC_NICE', now() + interval '30 days', 'Drill ground', 'Drill Cup', ${SEAT_PRICE},
            now() - interval '1 minute', true, 1000000, 100)`;
  await sql`insert into event_categories (event_id, category, price, capacity, available) values (${event}, 'drill', ${SEAT_PRICE}, ${SEATS}, ${SEATS})`;
  for (const fan of fans) {
    const place = await must({ method: 'POST', path: `/api/tickets/events/${event}/queue`, token: fan.token }, 200);
    fan.pass = place.pass;
  }
  const offers: Array<{ seller: Fan; offerId: string; ticketId: string; price: number }> = [];
  for (const seller of fans) {
    const bought = await must({ method: 'POST', path: '/api/tickets/purchase', token: seller.token, key: randomUUID(), body: { event_id: event, category: 'drill', quantity: OFFERS_PER_FAN, pass: seller.pass } }, 201);
    for (const ticket of bought.tickets as Array<{ id: string }>) {
      const price = cents(100, SEAT_PRICE);
      const offer = await must({ method: 'POST', path: `/api/tickets/${ticket.id}/resale`, token: seller.token, body: { price } }, 201);
      offers.push({ seller, offerId: offer.id, ticketId: ticket.id, price });
    }
  }
  return { fans, pays, product, event, offers };
};

const KINDS = ['transfer', 'deposit', 'pay', 'checkout', 'ticket', 'resale'] as const satisfies readonly Op['kind'][];
const PRODUCT_STOCK = 100_000;
const SEATS = 100_000;
const SEAT_PRICE = 300;
const OFFERS_PER_FAN = 3;

const requestOf = (op: Op): DrillRequest => {
  const key = randomUUID();
  switch (op.kind) {
    case 'transfer':
      return { method: 'POST', path: '/api/wallet/transfers', token: op.from.token, key, body: { to: op.to.id, amount: op.amount } };
    case 'deposit':
      return { method: 'POST', path: '/api/wallet/deposit', token: op.fan.token, key, body: { amount: op.amount, method: 'card' } };
    case 'pay':
      return { method: 'POST', path: `/api/wallet/requests/${op.requestId}/pay`, token: op.payer.token, key };
    case 'checkout':
      return { method: 'POST', path: '/api/shop/checkout', token: op.fan.token, key };
    case 'ticket':
      return { method: 'POST', path: '/api/tickets/purchase', token: op.fan.token, key, body: { event_id: op.event, category: 'drill', quantity: 1, pass: op.fan.pass } };
    case 'resale':
      return { method: 'POST', path: `/api/tickets/resale/${op.offerId}/buy`, token: op.buyer.token, key };
  }
};

/**
 * A checkout first puts the product in the cart. Adding is not idempotent:
 * a retried add may add twice, so the books take the quantities and totals
 * from the checkout's answer.
 */
const cartAddOf = (op: Op): DrillRequest | undefined =>
  op.kind === 'checkout' ? { method: 'POST', path: '/api/shop/cart', token: op.fan.token, body: { product_id: op.product, quantity: 1 } } : undefined;

/** What a successful op moved, per fan. */
const effects = (op: Op, answer: DrillAnswer): Array<[string, number]> => {
  switch (op.kind) {
    case 'transfer':
      return [[op.from.id, -op.amount], [op.to.id, op.amount]];
    case 'deposit':
      return [[op.fan.id, op.received ?? op.amount]];
    case 'pay':
      return [[op.payer.id, -op.amount], [op.requester.id, op.amount]];
    case 'checkout':
      return [[op.fan.id, -Number(answer.body.total)]];
    case 'ticket':
      return [[op.fan.id, -SEAT_PRICE]];
    case 'resale':
      return [[op.buyer.id, -op.price], [op.seller.id, op.price]];
  }
};

export const runDrill = async (options: DrillOptions): Promise<DrillReport> => {
  const { send } = options;
  const sql = postgres(options.databaseUrl, { max: 2, onnotice: () => {}, types: { bigint: postgres.BigInt } });
  try {
    const { fans, pays, product, event, offers } = await setUp(sql, send, options.fans ?? 16, options.stripe);
    const ids = fans.map((f) => f.id);
    const startBalances = new Map(
      (await sql<{ user_id: string; balance: bigint }[]>`select user_id, balance from wallets where user_id = any(${ids}::uuid[])`).map(
        (r) => [r.user_id, Number(r.balance)],
      ),
    );
    const [{ t0 }] = (await sql`select now() as t0`) as unknown as [{ t0: Date }];

    // The fault schedule, running beside the load.
    const faults: string[] = [];
    const cuts: number[] = [];
    const cut = async () => {
      cuts.push(await cutDatabase(options.databaseUrl));
      faults.push(`cut ${cuts.at(-1)} database sessions`);
    };
    let window: [number, number] = [Infinity, Infinity];
    let faultsDone = false;
    const schedule = (async () => {
      await sleep(300);
      window = [Date.now(), Infinity];
      await cut();
      await sleep(500);
      if (options.redis) {
        await stallRedis(options.redis.admin, 1500);
        faults.push('stalled Redis 1.5 s');
        await sleep(300);
        faults.push(`dropped ${await dropBridgeClients(options.redis.admin, options.redis.clientName)} Redis bridge clients`);
        await sleep(500);
      }
      await cut();
      // Reconnecting (pool, bridge) takes a moment; answers after this must all be final.
      await sleep(1500);
      window = [window[0], Date.now()];
      faultsDone = true;
    })();

    const samples: Sample[] = [];
    const outcomes: Array<{ op: Op; answer: DrillAnswer; attempts: number }> = [];
    const payQueue = [...pays].sort(() => Math.random() - 0.5);
    const offerQueue = [...offers].sort(() => Math.random() - 0.5);
    let calmSince: number | undefined;
    const nextOp = (): Op | undefined => {
      if (faultsDone) calmSince ??= Date.now();
      if (calmSince !== undefined && Date.now() - calmSince > (options.calmAfterMs ?? 1500)) return undefined;
      const roll = Math.random();
      if (roll < 0.15 && payQueue.length) return payQueue.pop();
      if (roll < 0.3) return { kind: 'deposit', fan: pick(fans), amount: cents(500, 1500) };
      if (roll < 0.4) return { kind: 'checkout', fan: pick(fans), product };
      if (roll < 0.5) return { kind: 'ticket', fan: pick(fans), event };
      if (roll < 0.6 && offerQueue.length) {
        const offer = offerQueue.pop()!;
        return { kind: 'resale', buyer: pick(fans.filter((f) => f !== offer.seller)), ...offer };
      }
      const from = pick(fans);
      return { kind: 'transfer', from, to: pick(fans.filter((f) => f !== from)), amount: cents(100, 1000) };
    };
    const deadline = Date.now() + 60_000;
    const worker = async () => {
      for (let op = nextOp(); op; op = nextOp()) {
        const add = cartAddOf(op);
        if (add) await settle(send, add, samples, deadline);
        const { answer, attempts } = op.kind === 'deposit' ? await topUp(send, options.stripe, op, samples, deadline) : await settle(send, requestOf(op), samples, deadline);
        outcomes.push({ op, answer, attempts });
      }
    };
    await Promise.all([schedule, ...Array.from({ length: options.concurrency ?? 12 }, worker)]);

    const succeeded = outcomes.filter((o) => SUCCEEDED.has(o.answer.status));
    const refused = outcomes.filter((o) => o.answer.status === 422);
    const unsettled = outcomes.filter((o) => !succeeded.includes(o) && !refused.includes(o));

    const expected = new Map(startBalances);
    for (const { op, answer } of succeeded) for (const [id, delta] of effects(op, answer)) expected.set(id, expected.get(id)! + delta);
    const sold = succeeded
      .filter((o) => o.op.kind === 'checkout')
      .reduce((n, o) => n + (o.answer.body.items as Array<{ quantity: number }>).reduce((q, item) => q + item.quantity, 0), 0);
    const [{ stock }] = (await sql`select stock from products where id = ${product}`) as unknown as [{ stock: number }];
    const seatsSold = fans.length * OFFERS_PER_FAN + succeeded.filter((o) => o.op.kind === 'ticket').length;
    const [seats] = await sql<{ available: number; tickets: number }[]>`
      select available, (select count(*)::int from tickets where event_id = ${event}) as tickets
      from category_seats where event_id = ${event}`;
    const resold = new Set(succeeded.flatMap((o) => (o.op.kind === 'resale' ? [o.op.offerId] : [])));
    const resales = outcomes.flatMap((o) => (o.op.kind === 'resale' ? [o.op] : []));
    const offerRows = await sql<{ id: string; status: string; holder: string }[]>`
      select o.id, o.status, t.user_id as holder from resale_offers o join tickets t on t.id = o.ticket_id where o.event_id = ${event}`;
    const resalesMatch = offerRows.every((row) => {
      const op = resales.find((r) => r.offerId === row.id);
      return resold.has(row.id) ? row.status === 'sold' && row.holder === op!.buyer.id : row.status === 'listed' && row.holder === offers.find((o) => o.offerId === row.id)!.seller.id;
    });
    const cards = options.stripe ? succeeded.flatMap((o) => (o.op.kind === 'deposit' ? [{ id: o.answer.body.deposit.id as string, received: o.op.received }] : [])) : [];
    const opened = await sql<{ id: string; status: string; amount_received: bigint | null; entries: number }[]>`
      select d.id, d.status, d.amount_received,
             (select count(*)::int from transactions t where t.transfer_id = d.transfer_id and t.type = 'deposit') as entries
      from deposits d where d.user_id = any(${ids}::uuid[]) and d.created_at >= ${t0}`;
    const cardsCredited =
      opened.length === (options.stripe ? cards.length : opened.length) &&
      cards.every((card) => opened.some((d) => d.id === card.id && d.status === 'succeeded' && Number(d.amount_received) === card.received && d.entries === 1));
    const finals = await sql<{ user_id: string; balance: bigint }[]>`select user_id, balance from wallets where user_id = any(${ids}::uuid[])`;
    const mismatches = finals
      .filter((r) => Number(r.balance) !== expected.get(r.user_id))
      .map((r) => `fan ${r.user_id}: balance ${r.balance}, answers say ${expected.get(r.user_id)}`);

    const [books] = await sql<{ transfers: bigint; keys: bigint; unbalanced: bigint; total: bigint; drifted: bigint; negative: bigint }[]>`
      select
        (select count(distinct transfer_id) from transactions where user_id = any(${ids}::uuid[]) and created_at >= ${t0}) as transfers,
        (select count(*) from idempotency_keys where user_id = any(${ids}::uuid[]) and created_at >= ${t0} and status is not null) as keys,
        (select count(*) from (select transfer_id from transactions group by transfer_id having sum(amount) <> 0) u) as unbalanced,
        (select coalesce(sum(amount), 0) from transactions) as total,
        (select count(*) from wallets w
           where w.balance <> (select coalesce(sum(amount), 0) from transactions t where t.wallet_id = w.id)) as drifted,
        (select count(*) from wallets where user_id is not null and balance < 0) as negative`;

    let healthyAfter = false;
    for (let i = 0; i < 40 && !healthyAfter; i++) {
      const health = await send({ method: 'GET', path: '/api/health' }).catch(() => undefined);
      healthyAfter = health?.status === 200 && health.body?.status === 'healthy';
      if (!healthyAfter) await sleep(250);
    }

    const tally = (inside: boolean) => {
      const counts: Record<number, number> = {};
      for (const s of samples) {
        if ((s.at >= window[0] && s.at <= window[1]) === inside) counts[s.status] = (counts[s.status] ?? 0) + 1;
      }
      return counts;
    };
    return {
      ops: outcomes.length,
      succeeded: succeeded.length,
      byKind: Object.fromEntries(KINDS.map((kind) => [kind, succeeded.filter((o) => o.op.kind === kind).length])) as DrillReport['byKind'],
      refused: refused.length,
      unsettled: unsettled.length,
      retries: outcomes.reduce((n, o) => n + o.attempts - 1, 0),
      replayed: outcomes.filter((o) => o.answer.replayed).length,
      faults,
      cuts,
      during: tally(true),
      outside: tally(false),
      checks: {
        balancesMatchAnswers: mismatches.length === 0,
        transfersMatchSuccesses: Number(books!.transfers) === succeeded.length,
        keysSettledOnce: Number(books!.keys) === succeeded.length + refused.length,
        ledgerSumsToZero: Number(books!.unbalanced) === 0 && Number(books!.total) === 0,
        balancesMatchEntries: Number(books!.drifted) === 0,
        noFanBelowZero: Number(books!.negative) === 0,
        stockMatchesOrders: stock === PRODUCT_STOCK - sold,
        seatsMatchTickets: seats!.tickets === seatsSold && seats!.available === SEATS - seatsSold,
        resalesMatchAnswers: offerRows.length === offers.length && resalesMatch,
        cardDepositsCreditedOnce: cardsCredited,
        healthyAfter,
      },
      mismatches,
    };
  } finally {
    await sql.end({ timeout: 1 });
  }
};

/**
 * A payment reaches Postgres and commits, but the answer is lost on the way
 * back (`loseAnswer` arms a proxy in front of Postgres that cuts the API's
 * connection right then, given the statement that commits a transfer). The
 * client sees a failure; its retry with the same key must replay the stored
 * outcome and move nothing more.
 */
type LostAnswer = { send: Send; databaseUrl: string; loseAnswer: (statement: RegExp) => Promise<void>; stripe?: StandIn };

export const lostCommitAnswer = async (options: LostAnswer) => {
  const { send } = options;
  const sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const { fans } = await setUp(sql, send, 2, options.stripe);
    const [payer, payee] = fans as [Fan, Fan];
    const request: DrillRequest = { method: 'POST', path: '/api/wallet/transfers', token: payer.token, key: randomUUID(), body: { to: payee.id, amount: 1234 } };
    const balances = async () =>
      (await sql`select user_id, balance from wallets where user_id = any(${[payer.id, payee.id]}::uuid[]) order by user_id = ${payer.id} desc`).map(
        (r) => Number(r.balance),
      );
    const before = await balances();
    const cut = options.loseAnswer(/\bwallet_transfer\(/);
    const first = await send(request).catch((): DrillAnswer => ({ status: 0, body: undefined, replayed: false }));
    await cut;
    const retried = await send(request);
    const again = await send(request);
    const [{ transfers }] = (await sql`
      select count(*)::int as transfers from transactions where user_id = ${payer.id} and type = 'send'`) as unknown as [{ transfers: number }];
    return { first, retried, again, before, after: await balances(), transfers };
  } finally {
    await sql.end({ timeout: 1 });
  }
};

/**
 * Stripe's confirmation of a card top-up is credited and committed, but the
 * answer is lost: Stripe sees a failure and delivers the event again, which
 * must be acknowledged as done and credit nothing more.
 */
export const lostConfirmationAnswer = async (options: LostAnswer & { stripe: StandIn }) => {
  const { send, stripe } = options;
  const sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const { fans } = await setUp(sql, send, 2, stripe);
    const fan = fans[0]!;
    const opened = await send({ method: 'POST', path: '/api/wallet/deposit', token: fan.token, key: randomUUID(), body: { amount: 4321, method: 'card' } });
    const delivery = signed(stripeEventOf('payment_intent.succeeded', stripe.pay(opened.body.payment.payment_intent_id)));
    const request: DrillRequest = { method: 'POST', path: WEBHOOK, raw: delivery.payload, headers: { 'stripe-signature': delivery.signature } };
    const balance = async () => Number((await sql`select balance from wallets where user_id = ${fan.id}`)[0]!.balance);
    const before = await balance();
    const cut = options.loseAnswer(/\bdeposit_paid\(/);
    const first = await send(request).catch((): DrillAnswer => ({ status: 0, body: undefined, replayed: false }));
    await cut;
    const redelivered = await send(request);
    const [{ credits }] = (await sql`
      select count(*)::int as credits from transactions t join deposits d on d.transfer_id = t.transfer_id
      where d.id = ${opened.body.deposit.id} and t.type = 'deposit'`) as unknown as [{ credits: number }];
    return { opened: opened.status, first, redelivered, before, after: await balance(), credits };
  } finally {
    await sql.end({ timeout: 1 });
  }
};

/** The lost answer was a 503; Stripe's redelivery was acknowledged as done, and 43.21 was credited once. */
export const expectCreditedOnce = (seen: Awaited<ReturnType<typeof lostConfirmationAnswer>>) => {
  expect(seen.opened).toBe(202);
  expect(seen.first.status).toBe(503);
  expect(seen.redelivered).toMatchObject({ status: 200, body: { received: true, outcome: 'duplicate' } });
  expect(seen.after).toBe(seen.before + 4321);
  expect(seen.credits).toBe(1);
};

const FINAL = new Set([200, 201, 202, 422]);

/** The drill's verdict: the books hold, every op settled, and no answer but 503, 409 or 429 came from the faults. */
export const expectDrillHeld = (report: DrillReport, context = '') => {
  expect(report.checks, context).toEqual(Object.fromEntries(Object.keys(report.checks).map((name) => [name, true])));
  expect(report.mismatches).toEqual([]);
  expect(report.unsettled).toBe(0);
  expect(Object.entries(report.byKind).filter(([, n]) => n === 0), 'kinds of op that never succeeded').toEqual([]);
  const statuses = (counts: Record<number, number>) => Object.keys(counts).map(Number);
  expect(statuses(report.during).filter((s) => !FINAL.has(s) && !DURING_FAULTS.has(s)), 'answers during the faults').toEqual([]);
  expect(statuses(report.outside).filter((s) => !FINAL.has(s)), 'answers outside the faults').toEqual([]);
  // Each cut found sessions to cut (whether a request was on one at that instant is chance).
  expect(report.cuts.every((n) => n > 0), report.faults.join('; ')).toBe(true);
};

/** The lost answer was a 503; the retries replayed one movement of 12.34. */
export const expectReplayedOnce = (seen: Awaited<ReturnType<typeof lostCommitAnswer>>) => {
  expect(seen.first.status).toBe(503);
  expect(seen.retried).toMatchObject({ status: 201, replayed: true, body: { amount: 1234 } });
  expect(seen.again).toEqual(seen.retried);
  expect(seen.after).toEqual([seen.before[0]! - 1234, seen.before[1]! + 1234]);
  expect(seen.transfers).toBe(1);
};
