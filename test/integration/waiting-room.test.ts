/**
 * The on-sale rush (migration 015, lib/tickets/queue.ts): a match on sale at
 * a time, behind a waiting room in Redis that admits fans in a fair order
 * with signed passes; a limit of tickets per fan; seats in shards that
 * concurrent buyers share without ever overselling.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as eventGet } from '../../functions/tickets/event-get';
import { handler as joinHandler } from '../../functions/tickets/queue-join';
import { handler as pollHandler } from '../../functions/tickets/queue-poll';
import { handler as purchaseHandler } from '../../functions/tickets/purchase';
import { signGrant } from '../../lib/auth/tokens';
import { db } from '../../lib/db';
import { redis, resetRedis } from '../../lib/redis';
import { expectProblem } from '../support/assertions';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { available, newEvent } from '../support/tickets';
import { fundedFans, key } from '../support/wallet';

afterEach(() => {
  vi.unstubAllEnvs();
  resetRedis();
});

type Sale = { on_sale_at?: Date; waiting_room?: boolean; admit_per_minute?: number; max_per_fan?: number };

/** A match of the test's own with `seats` in one category, on sale as `sale` says. */
const onSaleEvent = async (seats: number, sale: Sale, price = 1000) => {
  const id = await newEvent(seats, price);
  await db()`
    update events set on_sale_at = ${sale.on_sale_at ?? null}, waiting_room = ${sale.waiting_room ?? false},
      admit_per_minute = ${sale.admit_per_minute ?? null}, max_per_fan = ${sale.max_per_fan ?? 6}
    where id = ${id}`;
  return id;
};

const join = (fan: Fan, event: string) => invoke(joinHandler, { path: `/api/tickets/events/${event}/queue`, method: 'POST', token: fan.token, params: { id: event } });
const poll = (fan: Fan, event: string) => invoke(pollHandler, { path: `/api/tickets/events/${event}/queue`, token: fan.token, params: { id: event } });
const buy = (fan: Fan, event: string, options: { quantity?: number; pass?: string; key?: string } = {}) =>
  invoke(purchaseHandler, {
    path: '/api/tickets/purchase',
    token: fan.token,
    headers: { 'idempotency-key': options.key ?? key() },
    body: { event_id: event, category: 'tribune', quantity: options.quantity ?? 1, ...(options.pass ? { pass: options.pass } : {}) },
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a match on sale at a time', () => {
  it('refuses a purchase before its on-sale time (422 not-on-sale), and shows when it opens', async () => {
    const opens = new Date(Date.now() + 3_600_000);
    const event = await onSaleEvent(10, { on_sale_at: opens, max_per_fan: 4 });
    const [fan] = await fundedFans(1);
    const early = await buy(fan!, event);
    expectProblem(early, 422, '/problems/not-on-sale');
    expect(early.body.on_sale_at).toBe(opens.toISOString());
    const shown = await invoke(eventGet, { path: `/api/tickets/events/${event}`, params: { id: event } });
    expect(shown.body).toMatchObject({ on_sale_at: opens.toISOString(), waiting_room: false, max_per_fan: 4 });
  });

  it('holds each fan to its limit of tickets, also under 20 concurrent purchases of one fan', async () => {
    const event = await onSaleEvent(100, { max_per_fan: 6 });
    const [fan] = await fundedFans(1, 50_000);
    const answers = await Promise.all(Array.from({ length: 20 }, () => buy(fan!, event)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(6);
    const refused = answers.filter((a) => a.status === 422);
    expect(refused).toHaveLength(14);
    for (const answer of refused) expect(answer.body).toMatchObject({ type: '/problems/per-fan-limit', bought: 6, limit: 6 });
    expect(await available(event)).toBe(94);
  });
});

describe('seats in shards', () => {
  it('sells exactly a category’s seats to 500 concurrent buyers, none below zero', async () => {
    const event = await onSaleEvent(300, {});
    const buyers = await fundedFans(500, 5000);
    const answers = await Promise.all(buyers.map((fan) => buy(fan, event)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(300);
    expect(answers.filter((a) => a.status === 409 && a.body.type === '/problems/sold-out')).toHaveLength(200);
    const [books] = await db()<{ left: number; tickets: number; negative: number; shards: number }[]>`
      select (select sum(available)::int from seat_shards where event_id = ${event}) as left,
             (select count(*)::int from tickets where event_id = ${event}) as tickets,
             (select count(*)::int from seat_shards where event_id = ${event} and available < 0) as negative,
             (select count(*)::int from seat_shards where event_id = ${event}) as shards`;
    expect(books).toEqual({ left: 0, tickets: 300, negative: 0, shards: 8 });
  }, 120_000);

  it('sells 1 to 4 seats at a time across shards, never more than it has, and is sold out only when all together hold too few', async () => {
    const event = await onSaleEvent(97, {});
    const buyers = await fundedFans(60, 10_000);
    const answers = await Promise.all(buyers.map((fan, i) => buy(fan, event, { quantity: (i % 4) + 1 })));
    const sold = answers.filter((a) => a.status === 201).reduce((n, a) => n + a.body.tickets.length, 0);
    const left = await available(event);
    expect(sold + left).toBe(97);
    const smallest = Math.min(...answers.filter((a) => a.status === 409).map((a) => answers.indexOf(a) % 4 + 1));
    // Every refusal asked for more than was left once all buyers were done.
    expect(left).toBeLessThan(smallest);
    const [{ tickets }] = (await db()`select count(*)::int as tickets from tickets where event_id = ${event}`) as unknown as [{ tickets: number }];
    expect(tickets).toBe(sold);
  }, 60_000);
});

describe('a waiting room', () => {
  it('draws the places of fans who joined before the sale opened, and keeps later ones in their order of arrival', async () => {
    const event = await onSaleEvent(100, { on_sale_at: new Date(Date.now() + 2500), waiting_room: true, admit_per_minute: 1 });
    const crowd = await fundedFans(40);
    const early = crowd.slice(0, 30);
    const late = crowd.slice(30);
    for (const fan of early) expect((await join(fan, event)).status).toBe(200);
    // Each draw lands anywhere among the others': the places are known once all have joined.
    const earlyPlaces: number[] = [];
    for (const fan of early) earlyPlaces.push((await poll(fan, event)).body.position);
    expect([...earlyPlaces].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(earlyPlaces).not.toEqual([...earlyPlaces].sort((a, b) => a - b));
    // Joining again answers the same place.
    expect((await join(early[0]!, event)).body.position).toBe(earlyPlaces[0]);
    await sleep(2600);
    const latePlaces: number[] = [];
    for (const fan of late) latePlaces.push((await join(fan, event)).body.position);
    expect(latePlaces).toEqual(Array.from({ length: 10 }, (_, i) => 31 + i));
    const waiting = await poll(late[0]!, event);
    expect(waiting.body).toMatchObject({ status: 'waiting', position: 31, pass: null });
    expect(waiting.body.ahead).toBeGreaterThan(0);
    expect(Number(waiting.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('admits in order with a pass that buys; refuses a purchase without one, or with a forged, expired, another fan’s or another match’s', async () => {
    // Opened a minute ago at one fan a minute: one fan is in.
    const event = await onSaleEvent(20, { on_sale_at: new Date(Date.now() - 61_000), waiting_room: true, admit_per_minute: 1 });
    const other = await onSaleEvent(20, { on_sale_at: new Date(Date.now() - 61_000), waiting_room: true, admit_per_minute: 1 });
    const [first, second] = await fundedFans(2);
    expect((await join(first!, event)).body).toMatchObject({ status: 'admitted', position: 1, pass: expect.any(String) });
    // Next in line: no fan still waiting before them.
    expect((await join(second!, event)).body).toMatchObject({ status: 'waiting', position: 2, ahead: 0 });
    const { pass, pass_expires_at } = (await poll(first!, event)).body;
    expect(Date.parse(pass_expires_at)).toBeGreaterThan(Date.now());

    const noPass = await buy(first!, event);
    expectProblem(noPass, 403, '/problems/queue-pass-required');
    expect(noPass.body.queue).toBe(`/api/tickets/events/${event}/queue`);
    const otherPass = (await join(first!, other)).body.pass;
    const expired = await signGrant('paiecashfan-queue-pass', first!.id, { evt: event }, new Date(Date.now() - 1000));
    for (const wrong of ['forged.pass.token', otherPass, expired, `${pass}x`]) expectProblem(await buy(first!, event, { pass: wrong }), 403, '/problems/queue-pass-invalid');
    expectProblem(await buy(second!, event, { pass }), 403, '/problems/queue-pass-invalid');

    expect((await buy(first!, event, { pass, quantity: 2 })).status).toBe(201);
    expect(await available(event)).toBe(18);
  });

  it('gives the place of a pass not used in time to the next fan, and sends its holder to the back', async () => {
    const event = await onSaleEvent(20, { on_sale_at: new Date(Date.now() - 61_000), waiting_room: true, admit_per_minute: 1 });
    const [late, next] = await fundedFans(2);
    expect((await join(late!, event)).body.status).toBe('admitted');
    expect((await join(next!, event)).body.status).toBe('waiting');
    // The pass's time runs out.
    await redis()!.zadd(`queue:${event}:passes`, { score: Date.now() - 1, member: late!.id });
    expect((await poll(next!, event)).body).toMatchObject({ status: 'admitted', position: 1 });
    expect((await poll(late!, event)).body).toMatchObject({ status: 'waiting', position: 2 });
  });

  it('tells every fan still waiting that the match is sold out, at their next look', async () => {
    const event = await onSaleEvent(2, { on_sale_at: new Date(Date.now() - 61_000), waiting_room: true, admit_per_minute: 1 });
    const [buyer, ...waiting] = await fundedFans(4);
    const { pass } = (await join(buyer!, event)).body;
    for (const fan of waiting) expect((await join(fan, event)).body.status).toBe('waiting');
    expect((await buy(buyer!, event, { pass, quantity: 2 })).status).toBe(201);
    for (const fan of waiting) {
      expect((await poll(fan, event)).body).toMatchObject({ status: 'sold_out', position: null, resale: `/api/tickets/resale?event_id=${event}` });
    }
  });

  it('is not sold out while seats are left, even when a buyer asks for more than there are', async () => {
    const event = await onSaleEvent(3, { on_sale_at: new Date(Date.now() - 61_000), waiting_room: true, admit_per_minute: 1 });
    const [buyer, waiting] = await fundedFans(2);
    const { pass } = (await join(buyer!, event)).body;
    expect((await join(waiting!, event)).body.status).toBe('waiting');
    const tooMany = await buy(buyer!, event, { pass, quantity: 4 });
    expectProblem(tooMany, 409, '/problems/sold-out');
    expect(tooMany.body.event_sold_out).toBe(false);
    expect((await poll(waiting!, event)).body.status).toBe('waiting');
    expect((await buy(buyer!, event, { pass, quantity: 3 })).status).toBe(201);
    expect((await poll(waiting!, event)).body.status).toBe('sold_out');
  });

  it('answers 503 with Retry-After while Redis cannot be reached, never opening its doors', async () => {
    const event = await onSaleEvent(20, { on_sale_at: new Date(Date.now() - 61_000), waiting_room: true, admit_per_minute: 1 });
    const [fan] = await fundedFans(1);
    const { pass } = (await join(fan!, event)).body;
    vi.stubEnv('UPSTASH_REDIS_REST_URL', 'http://127.0.0.1:1');
    resetRedis();
    for (const answer of [await join(fan!, event), await poll(fan!, event), await buy(fan!, event, { pass })]) {
      expectProblem(answer, 503, '/problems/service-unavailable');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Without a pass the database itself refuses: the match is behind its waiting room.
    expectProblem(await buy(fan!, event), 403, '/problems/queue-pass-required');
    expect(await available(event)).toBe(20);
  });
});
