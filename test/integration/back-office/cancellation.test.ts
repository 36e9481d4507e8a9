/**
 * A club's admin cancels a match: it sells nothing more, its tickets change
 * no hands and open no gate, and every ticket's current holder is refunded
 * its face value, one movement per ticket, in batches that survive a cut
 * connection and never refund a ticket twice. Nobody else's club is touched.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { describe, expect, it, vi } from 'vitest';
import { handler as cancellationGet } from '../../../functions/admin/tickets/cancellation-get';
import { handler as eventCancel } from '../../../functions/admin/tickets/event-cancel';
import { handler as adminEventGet } from '../../../functions/admin/tickets/event-get';
import { handler as adminEventUpdate } from '../../../functions/admin/tickets/event-update';
import { handler as eventGet } from '../../../functions/tickets/event-get';
import { handler as eventsList } from '../../../functions/tickets/events-list';
import { handler as queueJoin } from '../../../functions/tickets/queue-join';
import { handler as resaleBuy } from '../../../functions/tickets/resale-buy';
import { handler as resaleOffer } from '../../../functions/tickets/resale-offer';
import { handler as ticketTransfer } from '../../../functions/tickets/transfer';
import { closeDb, db } from '../../../lib/db';
import { checkIn } from '../../../lib/tickets/checkin';
import { BATCH_TICKETS, refundWhileTime, resumeCancellations } from '../../../lib/tickets/cancellation';
import { ticketCode } from '../../../lib/tickets/tickets';
import { expectProblem } from '../../support/assertions';
import { newFan, type Fan } from '../../support/fans';
import { managementApi } from '../../support/management-api';
import { startPgProxy } from '../../support/pg-proxy';
import { invoke } from '../../support/http';
import { clubWithAdmin, staffMember } from '../../support/staff';
import { buy, scan } from '../../support/tickets';
import { deposit, key } from '../../support/wallet';

const PRICES = { tribune: 2500, loge: 6000 } as const;
type Category = keyof typeof PRICES;

/** A match of `club`'s, a month away, with a tribune and a loge. */
const newMatch = async (club: string) => {
  const id = `cancel-${randomBytes(5).toString('hex')}`;
  await db()`
    insert into events (id, title, club, date, venue, competition, price_from)
    values (${id}, ${`${club} vs Test FC`}, ${club}, now() + interval '30 days', 'Stade Test', 'Test Cup', ${PRICES.tribune})`;
  for (const [category, price] of Object.entries(PRICES)) {
    await db()`insert into event_categories (event_id, category, price, capacity, available) values (${id}, ${category}, ${price}, 5000, 5000)`;
  }
  return id;
};

const cancel = (by: Fan, event: string, idempotencyKey = key(), remainingMs?: number) =>
  invoke(eventCancel, {
    path: `/api/admin/events/${event}/cancel`,
    params: { id: event },
    token: by.token,
    headers: { 'idempotency-key': idempotencyKey },
    ...(remainingMs ? { remainingMs } : {}),
    method: 'POST',
  });
const progress = (by: Fan, event: string) => invoke(cancellationGet, { path: `/api/admin/events/${event}/cancellation`, params: { id: event }, token: by.token });

/** A funded fan who bought `quantity` tickets of a category through the real purchase. */
const buyer = async (event: string, category: Category, quantity: number) => {
  const fan = await newFan();
  expect((await deposit(fan, 50_000)).status).toBe(201);
  const bought = await buy(fan, event, quantity, category);
  expect(bought.status, bought.raw).toBe(201);
  return { fan, tickets: bought.body.tickets.map((t: { id: string }) => t.id) as string[] };
};

const offer = (fan: Fan, ticket: string, price: number) =>
  invoke(resaleOffer, { path: `/api/tickets/${ticket}/resale`, params: { id: ticket }, token: fan.token, body: { price } });
const buyOffer = (fan: Fan, offerId: string) =>
  invoke(resaleBuy, { method: 'POST', path: `/api/tickets/resale/${offerId}/buy`, params: { id: offerId }, token: fan.token, headers: { 'idempotency-key': key() } });

/**
 * `fans` fans of the test's own, inserted with their wallets, each funded
 * by a card deposit and then buying `each` tickets of one category (the
 * categories alternate) in one purchase transfer to the ticketing shard of
 * theirs: the ledger's own posting, so the books balance as a purchase's do.
 */
const bulkHolders = async (event: string, fans: number, each: number) => {
  const sql = db();
  const ids = (await sql<{ id: string }[]>`
    insert into users (email, password, name)
    select format('bulk.%s.%s@example.test', ${event}::text, n), 'x', format('Bulk Fan %s', n) from generate_series(1, ${fans}) n
    returning id`).map((r) => r.id);
  await sql`insert into wallets (user_id) select unnest(${ids}::uuid[])`;
  const holders = ids.map((id, i) => ({ id, category: (i % 2 ? 'loge' : 'tribune') as Category }));
  const input = sql`(select unnest(${holders.map((h) => h.id)}::uuid[]) as id, unnest(${holders.map((h) => h.category)}::text[]) as category) h
    join event_categories c on c.event_id = ${event} and c.category = h.category
    join wallets fan on fan.user_id = h.id`;
  // Funded with what they spend and 10 euros more.
  await sql`
    select ledger_post('deposit', jsonb_build_array(
      jsonb_build_object('wallet_id', card.id, 'type', 'funding', 'amount', -(c.price * ${each} + 1000), 'counterparty_wallet_id', fan.id),
      jsonb_build_object('wallet_id', fan.id, 'user_id', fan.user_id, 'type', 'deposit', 'amount', c.price * ${each} + 1000, 'counterparty_wallet_id', card.id)))
    from ${input} join wallets card on card.system = 'card_funding' and card.shard = ledger_shard(h.id)`;
  await sql`
    with bought as (
      select h.id, h.category, c.price, ledger_post('purchase', jsonb_build_array(
        jsonb_build_object('wallet_id', fan.id, 'user_id', fan.user_id, 'type', 'purchase', 'amount', -c.price * ${each}, 'counterparty_wallet_id', till.id,
                           'metadata', jsonb_build_object('event_id', c.event_id, 'category', c.category, 'quantity', ${each}::int)),
        jsonb_build_object('wallet_id', till.id, 'type', 'sale', 'amount', c.price * ${each}, 'counterparty_wallet_id', fan.id,
                           'metadata', jsonb_build_object('event_id', c.event_id)))) as posted
      from ${input} join wallets till on till.system = 'ticketing' and till.shard = ledger_shard(h.id)
    )
    insert into tickets (user_id, event_id, category, price, transfer_id)
    select b.id, ${event}, b.category, b.price, (b.posted ->> 'transfer_id')::uuid from bought b, generate_series(1, ${each})`;
  return ids;
};

type Holding = { user_id: string; balance: number; owed: number };

/** Each holder of the match's open tickets, their balance and what they are owed: the face value of each ticket they hold. */
const holdings = async (event: string) =>
  db()<Holding[]>`
    select t.user_id, w.balance::int as balance, sum(t.price)::int as owed
    from tickets t join wallets w on w.user_id = t.user_id
    where t.event_id = ${event} and t.status in ('valid', 'checked_in')
    group by t.user_id, w.balance`;

/** Every refund leg of the match, by ticket. */
const refundLegs = async (event: string) =>
  db()<{ ticket_id: string; wallet_user: string | null; system: string | null; amount: number; metadata: Record<string, string>; reverses: string | null }[]>`
    select x.metadata ->> 'ticket_id' as ticket_id, x.user_id as wallet_user, w.system, x.amount::int as amount, x.metadata, tr.reverses
    from transactions x join wallets w on w.id = x.wallet_id join transfers tr on tr.id = x.transfer_id
    where x.type = 'refund' and x.metadata ->> 'event_id' = ${event}`;

/** The batch's backend, once it waits on a lock (a wallet the test holds). */
const blockedBatch = async (admin: postgres.Sql): Promise<number> => {
  for (let i = 0; i < 200; i++) {
    const [row] = await admin<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock' and query like '%event_cancellation_batch%'`;
    if (row) return row.pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no batch waited on the held wallet');
};

describe('cancelling a match', () => {
  it("no role, another club's admin, a steward and a moderator get 404 and change nothing", async () => {
    const { club, admin } = await clubWithAdmin();
    const other = await clubWithAdmin();
    const event = await newMatch(club);
    const { tickets } = await buyer(event, 'tribune', 2);
    const outsiders = [await newFan(), other.admin, await staffMember(club, 'steward'), await staffMember(club, 'moderator')];
    for (const outsider of outsiders) {
      expectProblem(await cancel(outsider, event), 404);
      expectProblem(await progress(outsider, event), 404);
    }
    expectProblem(await progress(admin, event), 404);
    const [match] = await db()`select canceled_at from events where id = ${event}`;
    expect(match!.canceled_at).toBeNull();
    expect(await db()`select 1 from event_cancellations where event_id = ${event}`).toHaveLength(0);
    expect([...(await db()`select status from tickets where id = any(${tickets}::uuid[])`)]).toEqual([{ status: 'valid' }, { status: 'valid' }]);
    expect(await db()`select 1 from audit_entries where club_id = ${club}`).toHaveLength(0);

    // Its own admin may; the outsiders still see nothing of it.
    const done = await cancel(admin, event);
    expect(done.status).toBe(202);
    expect(done.body).toMatchObject({ event_id: event, status: 'done', tickets: 2, refunded: 2, amount_refunded: 2 * PRICES.tribune, currency: 'EUR' });
    for (const outsider of outsiders) expectProblem(await progress(outsider, event), 404);
    expect((await progress(admin, event)).body).toEqual(done.body);
    const [entry] = await db()`select action, object_type, object_id, actor_id, actor_role, after from audit_entries where club_id = ${club}`;
    expect(entry).toMatchObject({ action: 'event.cancel', object_type: 'event', object_id: event, actor_id: admin.id, actor_role: 'admin' });

    // The back office shows it cancelled, and changes it no more.
    const shown = await invoke(adminEventGet, { path: `/api/admin/events/${event}`, params: { id: event }, token: admin.token });
    expect(shown.body.canceled_at).toEqual(expect.any(String));
    const moved = await invoke(adminEventUpdate, {
      method: 'PATCH', path: `/api/admin/events/${event}`, params: { id: event }, token: admin.token,
      body: { date: new Date(Date.now() + 40 * 86_400_000).toISOString() },
    });
    expectProblem(moved, 409, '/problems/event-canceled');
  });

  it(
    'refunds 2,000 tickets, some resold, listed or checked in, each to its holder once at face value, through a connection cut halfway',
    { timeout: 120_000 },
    async () => {
      const { club, admin } = await clubWithAdmin();
      const steward = await staffMember(club, 'steward');
      const event = await newMatch(club);

      // Ten real purchases, a resale, an offer left open and a ticket checked in.
      const seller = await buyer(event, 'tribune', 2);
      const lister = await buyer(event, 'loge', 3);
      const goer = await buyer(event, 'loge', 2);
      await buyer(event, 'tribune', 3);
      const reseller = await newFan();
      expect((await deposit(reseller, 50_000)).status).toBe(201);
      const resold = await offer(seller.fan, seller.tickets[0]!, 2000);
      expect(resold.status).toBe(201);
      expect((await buyOffer(reseller, resold.body.id)).status).toBe(201);
      const listed = await offer(lister.fan, lister.tickets[0]!, 5500);
      expect(listed.status).toBe(201);
      const gate = await scan(steward.token, (await ticketCode(goer.fan.id, goer.tickets[0]!)).code, event);
      expect(gate.body.result).toBe('admitted');

      // The bulk: 199 fans of 10 tickets each, a hundred of them checked in and fifty listed.
      const bulk = await bulkHolders(event, 199, 10);
      await db()`
        update tickets set status = 'checked_in', checked_in_at = now()
        where id in (select id from tickets where event_id = ${event} and user_id = any(${bulk}::uuid[]) order by id limit 100)`;
      await db()`
        insert into resale_offers (ticket_id, seller_id, event_id, price)
        select id, user_id, event_id, price from tickets
        where event_id = ${event} and status = 'valid' and user_id = any(${bulk}::uuid[]) order by id desc limit 50`;
      const all = await db()<{ id: string; user_id: string }[]>`select id, user_id from tickets where event_id = ${event} order by id`;
      expect(all).toHaveLength(2000);
      const owed = new Map((await holdings(event)).map((h) => [h.user_id, h]));
      expect(owed.get(reseller.id)!.owed).toBe(PRICES.tribune); // the face value, not the 20 euros the reseller paid

      const upcomingOf = () => invoke(eventsList, { path: '/api/tickets/events', query: { club, limit: '100' } });
      // The club's list is cached now: the cancellation must clear it.
      expect((await upcomingOf()).body.items.map((e: { id: string }) => e.id)).toContain(event);

      // Accepted with no time left for a batch.
      const accepted = await cancel(admin, event, key(), 1500);
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ status: 'running', tickets: 2000, refunded: 0, amount_refunded: 0, finished_at: null });

      // Halfway: five batches commit; the sixth waits for a wallet of its holders' that the test holds, and its connection is cut.
      const job = accepted.body.id as string;
      const batches = (n: number) => () => (n-- > 0 ? 60_000 : 0);
      const half = 5 * BATCH_TICKETS;
      expect(await refundWhileTime(job, batches(5))).toMatchObject({ status: 'running', refunded: half });
      const other = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} });
      try {
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const lockTaken = new Promise<void>((resolve) => (locked = resolve));
        const holding = other.begin(async (tx) => {
          await tx`select 1 from wallets where user_id = ${all[half + BATCH_TICKETS / 2]!.user_id} for update`;
          locked();
          await held;
        });
        await lockTaken;
        const sixth = refundWhileTime(job, batches(1)).then(() => 'committed', (error: unknown) => error);
        await other`select pg_terminate_backend(${await blockedBatch(other)})`;
        expect(await sixth).not.toBe('committed');
        release();
        await holding;
      } finally {
        await other.end({ timeout: 1 });
      }
      expect((await progress(admin, event)).body).toMatchObject({ status: 'running', refunded: half, amount_refunded: expect.any(Number) });
      expect([...(await db()`select count(*)::int as n from tickets where event_id = ${event} and status = 'refunded'`)]).toEqual([{ n: half }]);
      expect(await refundLegs(event)).toHaveLength(2 * half);

      // Resumed as the minute's job does: done, and nothing twice.
      await resumeCancellations(60_000);
      const done = await progress(admin, event);
      expect(done.body).toMatchObject({ id: accepted.body.id, status: 'done', tickets: 2000, refunded: 2000, finished_at: expect.any(String) });
      const tickets = await db()<{ id: string; user_id: string; price: number; category: string; status: string; transfer_id: string }[]>`
        select id, user_id, price, category, status, transfer_id from tickets where event_id = ${event}`;
      expect(new Set(tickets.map((t) => t.status))).toEqual(new Set(['refunded']));
      expect(done.body.amount_refunded).toBe(tickets.reduce((sum, t) => sum + t.price, 0));

      // One refund per ticket, to its holder, at face value, from the ticketing shard of theirs, reversing its purchase.
      const legs = await refundLegs(event);
      expect(legs).toHaveLength(4000);
      for (const t of tickets) {
        const [fanLeg, tillLeg] = legs.filter((l) => l.ticket_id === t.id).sort((a, b) => b.amount - a.amount);
        expect(fanLeg).toMatchObject({ wallet_user: t.user_id, amount: t.price, reverses: t.transfer_id });
        expect(tillLeg).toMatchObject({ wallet_user: null, system: 'ticketing', amount: -t.price, reverses: t.transfer_id });
        for (const leg of [fanLeg!, tillLeg!]) expect(leg.metadata).toEqual({ event_id: event, category: t.category, ticket_id: t.id });
      }
      const after = new Map((await db()<{ user_id: string; balance: number }[]>`
        select user_id, balance::int as balance from wallets where user_id = any(${[...owed.keys()]}::uuid[])`).map((w) => [w.user_id, w.balance]));
      for (const [fan, { balance, owed: due }] of owed) expect(after.get(fan), fan).toBe(balance + due);

      // The books: zero-sum, and every wallet of the match's fans and of the ticketing account equal to its entries.
      const [{ total }] = (await db()`select coalesce(sum(amount), 0)::bigint as total from transactions`) as unknown as [{ total: string }];
      expect(Number(total)).toBe(0);
      const off = await db()`
        select w.id from wallets w
        where (w.user_id = any(${[...owed.keys()]}::uuid[]) or w.system = 'ticketing')
          and w.balance <> (select coalesce(sum(amount), 0) from transactions x where x.wallet_id = w.id)`;
      expect([...off]).toEqual([]);

      // Holders were told once each.
      const [{ told, fans }] = (await db()`
        select count(*)::int as told, count(distinct user_id)::int as fans from notifications where kind = 'event-canceled' and ref = ${event}`) as unknown as [{ told: number; fans: number }];
      expect([told, fans]).toEqual([owed.size, owed.size]);

      // Every code is refused at the gate, checked in or not.
      for (let i = 0; i < tickets.length; i += 50) {
        const verdicts = await Promise.all(
          tickets.slice(i, i + 50).map(async (t) => checkIn(steward.id, { code: (await ticketCode(t.user_id, t.id)).code, event_id: event })),
        );
        for (const verdict of verdicts) expect(verdict).toEqual({ result: 'refused', reason: 'canceled' });
      }

      // Offers withdrawn; nothing sold, listed or handed over any more.
      expect(await db()`select 1 from resale_offers where event_id = ${event} and status = 'listed'`).toHaveLength(0);
      expect([...(await db()`select status from resale_offers where id = ${resold.body.id}`)]).toEqual([{ status: 'sold' }]);
      expect([...(await db()`select status from resale_offers where id = ${listed.body.id}`)]).toEqual([{ status: 'withdrawn' }]);
      expectProblem(await buy(reseller, event, 1, 'tribune'), 422, '/problems/event-canceled');
      expectProblem(await offer(lister.fan, lister.tickets[1]!, 1000), 409, '/problems/ticket-canceled');
      expectProblem(
        await invoke(ticketTransfer, {
          path: `/api/tickets/${lister.tickets[1]}/transfer`, params: { id: lister.tickets[1]! }, token: lister.fan.token,
          headers: { 'idempotency-key': key() }, body: { to: reseller.email },
        }),
        409,
        '/problems/ticket-canceled',
      );
      expectProblem(await buyOffer(reseller, listed.body.id), 409, '/problems/offer-gone');

      // What fans read: the match says it is cancelled, leaves the upcoming list, and its waiting room is closed.
      const shown = await invoke(eventGet, { path: `/api/tickets/events/${event}`, params: { id: event } });
      expect(shown.body.canceled_at).toEqual(expect.any(String));
      const upcoming = await upcomingOf();
      expect(upcoming.body.items.map((e: { id: string }) => e.id)).not.toContain(event);
      await db()`update events set waiting_room = true where id = ${event}`;
      const room = await invoke(queueJoin, { method: 'POST', path: `/api/tickets/events/${event}/queue`, params: { id: event }, token: reseller.token });
      expect(room.body).toMatchObject({ event_id: event, status: 'closed' });
      expectProblem(await buy(reseller, event, 1, 'tribune'), 422, '/problems/event-canceled');
    },
  );

  it("refunds nothing twice after a batch whose commit's answer was lost", async () => {
    const { club, admin } = await clubWithAdmin();
    const event = await newMatch(club);
    const holders = await bulkHolders(event, 45, 10);
    const owed = await holdings(event);
    const job = (await cancel(admin, event, key(), 1500)).body.id as string;
    const proxy = await startPgProxy(process.env.DATABASE_URL!);
    try {
      vi.stubEnv('DATABASE_URL', proxy.url);
      await closeDb();
      const lost = proxy.loseNextAnswer(/event_cancellation_batch/);
      const first = await refundWhileTime(job, () => 60_000).then(() => 'answered', (error: unknown) => error);
      await lost;
      expect(first).not.toBe('answered');
    } finally {
      vi.unstubAllEnvs();
      await closeDb();
      await proxy.close();
    }
    // The batch committed all the same; the resumer goes on from there.
    expect((await progress(admin, event)).body).toMatchObject({ status: 'running', refunded: BATCH_TICKETS });
    await resumeCancellations(60_000);
    expect((await progress(admin, event)).body).toMatchObject({ status: 'done', tickets: 450, refunded: 450, amount_refunded: owed.reduce((sum, h) => sum + h.owed, 0) });
    const legs = await refundLegs(event);
    expect(legs).toHaveLength(900);
    expect(new Set(legs.map((l) => l.ticket_id)).size).toBe(450);
    const after = await db()<{ user_id: string; balance: number }[]>`select user_id, balance::int as balance from wallets where user_id = any(${holders}::uuid[])`;
    const due = new Map(owed.map((h) => [h.user_id, h.balance + h.owed]));
    for (const w of after) expect(w.balance).toBe(due.get(w.user_id));
  });

  it('answers the same job to every call, concurrent admins and later ones, and replays a key', async () => {
    const { club, admin } = await clubWithAdmin();
    const admins = [admin, await staffMember(club, 'admin'), await staffMember(club, 'admin')];
    const event = await newMatch(club);
    const holders = [await buyer(event, 'loge', 3), await buyer(event, 'tribune', 1)];
    // Each holder has a connection open, through a stand-in for API Gateway's management API.
    const gateway = await managementApi();
    for (const { fan } of holders) {
      await db()`insert into ws_connections (connection_id, user_id, endpoint) values (${`alive-${fan.id}`}, ${fan.id}, ${gateway.endpoint})`;
    }
    const first = key();
    const answers = await Promise.all(admins.map((a, i) => cancel(a, event, i === 0 ? first : key())));
    for (const answer of answers) expect(answer.status).toBe(202);
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(await db()`select 1 from event_cancellations where event_id = ${event}`).toHaveLength(1);
    const later = await cancel(admins[2]!, event);
    expect(later.body).toMatchObject({ id: answers[0]!.body.id, status: 'done', refunded: 4, amount_refunded: 3 * PRICES.loge + PRICES.tribune });
    await gateway.close();
    // Each holder told once, with their own notification.
    for (const { fan } of holders) {
      const [notification] = await db()<{ id: string }[]>`select id from notifications where user_id = ${fan.id} and kind = 'event-canceled'`;
      expect(gateway.received.get(`alive-${fan.id}`)).toEqual([
        { type: 'notification', notification: { id: notification!.id, kind: 'event-canceled', payload: expect.objectContaining({ event_id: event }), created_at: expect.any(String) } },
      ]);
    }

    // The key again: its stored answer, the job as it was accepted, marked a replay; the key on another match is refused.
    const replay = await cancel(admin, event, first);
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(answers[0]!.body.id);
    const otherMatch = await newMatch(club);
    expectProblem(await cancel(admin, otherMatch, first), 422, '/problems/idempotency-key-reused');
    expect((await db()`select canceled_at from events where id = ${otherMatch}`)[0]!.canceled_at).toBeNull();
    // Refunded once, whoever called.
    expect((await refundLegs(event)).length).toBe(8);
    expect([...(await db()`select count(*)::int as n from audit_entries where club_id = ${club} and action = 'event.cancel'`)]).toEqual([{ n: 4 }]);
  });
});
