/**
 * The back office's matches (lib/tickets/admin-events.ts): put on sale and
 * changed by a club's admin only, shown to fans at once, a category never
 * resized below what it sold (also while fans buy), a new kick-off told to
 * every holder with their tickets still scanning, each change audited.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as auditList } from '../../../functions/admin/staff/audit-list';
import { handler as createHandler } from '../../../functions/admin/tickets/event-create';
import { handler as getHandler } from '../../../functions/admin/tickets/event-get';
import { handler as updateHandler } from '../../../functions/admin/tickets/event-update';
import { handler as listHandler } from '../../../functions/admin/tickets/events-list';
import { handler as notificationsList } from '../../../functions/notifications/list';
import { handler as publicGet } from '../../../functions/tickets/event-get';
import { handler as publicList } from '../../../functions/tickets/events-list';
import { handler as joinHandler } from '../../../functions/tickets/queue-join';
import { handler as purchaseHandler } from '../../../functions/tickets/purchase';
import { handler as ticketCode } from '../../../functions/tickets/code';
import { db } from '../../../lib/db';
import { expectProblem } from '../../support/assertions';
import { newFan, type Fan } from '../../support/fans';
import { invoke } from '../../support/http';
import { managementApi, type ManagementApi } from '../../support/management-api';
import { clubWithAdmin, staffMember } from '../../support/staff';
import { scan } from '../../support/tickets';
import { fundedFans, key } from '../../support/wallet';

const DAY = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/** A match of `club`'s, valid as sent; `overrides` change it. */
const match = (club: string, overrides: Record<string, unknown> = {}) => ({
  club,
  title: 'Test Club vs Olympique Lyonnais',
  date: at(30 * DAY),
  venue: 'Stade Test',
  country: 'FR',
  competition: 'Test Cup',
  hot: false,
  vip: false,
  on_sale_at: null,
  waiting_room: false,
  max_per_fan: 6,
  categories: [
    { category: 'tribune', price: 1000, capacity: 40 },
    { category: 'loge', price: 9000, capacity: 5 },
  ],
  ...overrides,
});

const create = (by: Fan, body: Record<string, unknown>, idempotencyKey = key()) =>
  invoke(createHandler, { method: 'POST', path: '/api/admin/events', token: by.token, headers: { 'idempotency-key': idempotencyKey }, body });
const update = (by: Fan, id: string, body: Record<string, unknown>) =>
  invoke(updateHandler, { method: 'PATCH', path: `/api/admin/events/${id}`, params: { id }, token: by.token, body });
const show = (by: Fan, id: string) => invoke(getHandler, { path: `/api/admin/events/${id}`, params: { id }, token: by.token });
const list = (by: Fan, query: Record<string, string> = {}) => invoke(listHandler, { path: '/api/admin/events', query, token: by.token });
const audit = (by: Fan, club: string) => invoke(auditList, { path: '/api/admin/audit', query: { club }, token: by.token });
const fansSee = (id: string) => invoke(publicGet, { path: `/api/tickets/events/${id}`, params: { id } });
const fansList = (query: Record<string, string>) => invoke(publicList, { path: '/api/tickets/events', query });
const buy = (fan: Fan, event_id: string, category = 'tribune', pass?: string) =>
  invoke(purchaseHandler, {
    path: '/api/tickets/purchase',
    token: fan.token,
    headers: { 'idempotency-key': key() },
    body: { event_id, category, quantity: 1, ...(pass ? { pass } : {}) },
  });
const codeOf = async (fan: Fan, ticket: string) =>
  (await invoke(ticketCode, { path: `/api/tickets/${ticket}/qr`, token: fan.token, params: { id: ticket } })).body.code as string;
const ticketsSold = async (event: string) =>
  (await db()<{ n: number }[]>`select count(*)::int as n from tickets where event_id = ${event} and status = 'valid'`)[0]!.n;
const shards = (event: string, category: string) =>
  db()<{ shard: number; available: number }[]>`select shard, available from seat_shards where event_id = ${event} and category = ${category} order by shard`;

describe("a club's matches in its back office", () => {
  it('an admin puts a match on sale: 201 with its categories, a readable id, price_from the cheapest, its seats in shards', async () => {
    const { club, admin } = await clubWithAdmin();
    const made = await create(admin, match(club, { country: 'gb' }));
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    expect(id).toMatch(/^test-club-vs-olympique-lyonnais-\d{4}-\d{2}-\d{2}$/);
    expect(made.body).toMatchObject({
      club, country: 'GB', price_from: 1000, currency: 'EUR', capacity: 45, sold: 0, seats_available: 45, waiting_room: false, admit_per_minute: null,
      categories: [
        { category: 'tribune', price: 1000, capacity: 40, sold: 0, left: 40 },
        { category: 'loge', price: 9000, capacity: 5, sold: 0, left: 5 },
      ],
    });
    expect((await shards(id, 'tribune')).map((s) => s.available)).toEqual([5, 5, 5, 5, 5, 5, 5, 5]);
    // The same title and day again: the next free id.
    const again = await create(admin, match(club, { date: made.body.date }));
    expect(again.body.id).toBe(`${id}-2`);
    // A chosen id that is taken is a conflict; the same Idempotency-Key replays the first answer.
    expectProblem(await create(admin, match(club, { id })), 409, '/problems/event-exists');
    const chosen = key();
    const own = match(club, { id: `own-${randomBytes(4).toString('hex')}` });
    const first = await create(admin, own, chosen);
    const replay = await create(admin, own, chosen);
    expect([replay.status, replay.raw, replay.headers['idempotent-replayed']]).toEqual([201, first.raw, 'true']);
    expect((await show(admin, id)).body).toEqual(made.body);
  });

  it("refuses a fan without a role, another club's admin, a steward and a moderator with 404, and changes nothing", async () => {
    const { club, admin } = await clubWithAdmin();
    const other = await clubWithAdmin();
    const outsiders = [await newFan(), other.admin, await staffMember(club, 'steward'), await staffMember(club, 'moderator')];
    for (const outsider of outsiders) expectProblem(await create(outsider, match(club)), 404, '/problems/not-found');
    const id = (await create(admin, match(club))).body.id as string;
    const before = (await show(admin, id)).body;
    for (const outsider of outsiders) {
      expect((await update(outsider, id, { title: 'Taken over', categories: [{ category: 'tribune', capacity: 1 }] })).status).toBe(404);
      expect((await update(outsider, id, { date: at(60 * DAY) })).status).toBe(404);
      expect((await show(outsider, id)).status).toBe(404);
      expect((await list(outsider, { club })).status).toBe(404);
    }
    // Another club's admin sees their own club's list only, and a match of nobody's is as missing as a match of another's.
    expect((await list(other.admin)).body.items).toEqual([]);
    expect((await update(admin, 'no-such-match-999', { title: 'x' })).status).toBe(404);
    expect((await show(admin, id)).body).toEqual(before);
    const [{ n }] = (await db()`select count(*)::int as n from events where club = ${club}`) as unknown as [{ n: number }];
    expect(n).toBe(1);
    expect((await audit(admin, club)).body.items.map((e: { action: string }) => e.action)).toEqual(['event.create']);
  });

  it('refuses bad matches and changes with 400, whatever the admin', async () => {
    const { club, admin } = await clubWithAdmin();
    const bad: [string, Record<string, unknown>][] = [
      ['a past date', { date: at(-DAY) }],
      ['a sale opening after the match', { on_sale_at: at(31 * DAY) }],
      ['a category twice', { categories: [{ category: 'tribune', price: 1000, capacity: 10 }, { category: 'tribune', price: 2000, capacity: 10 }] }],
      ['no category', { categories: [] }],
      ['a capacity of 0', { categories: [{ category: 'tribune', price: 1000, capacity: 0 }] }],
      ['a capacity past any stadium', { categories: [{ category: 'tribune', price: 1000, capacity: 1_000_000 }] }],
      ['fractional cents', { categories: [{ category: 'tribune', price: 10.5, capacity: 10 }] }],
      ['a price in euros as text', { categories: [{ category: 'tribune', price: '10.00', capacity: 10 }] }],
      ['a category not a slug', { categories: [{ category: 'Tribune Nord', price: 1000, capacity: 10 }] }],
      ['a country not a code', { country: 'France' }],
      ['an unknown field', { owner: 'me' }],
    ];
    for (const [label, change] of bad) expect((await create(admin, match(club, change))).status, label).toBe(400);
    const id = (await create(admin, match(club, { on_sale_at: at(10 * DAY) }))).body.id as string;
    const before = (await show(admin, id)).body;
    const badChanges: [string, Record<string, unknown>][] = [
      ['nothing', {}],
      ['its club', { club: 'PSG' }],
      ['its id', { id: 'another' }],
      ['a kick-off before the sale opens', { date: at(5 * DAY) }],
      ['a sale opening after the kick-off', { on_sale_at: at(40 * DAY) }],
      ['a new category without its price', { categories: [{ category: 'vip', capacity: 10 }] }],
    ];
    for (const [label, change] of badChanges) expect((await update(admin, id, change)).status, label).toBe(400);
    expect((await show(admin, id)).body).toEqual(before);
  });

  it('shows a new or changed match at once in the public list and detail, past their caches', async () => {
    const { club, admin } = await clubWithAdmin();
    // The cached lists, read before: the match must not wait for their TTL.
    const date = at(1000 * DAY + Math.floor(Math.random() * DAY));
    expect((await fansList({ club })).body.items).toEqual([]);
    await fansList({ from: date });
    const id = (await create(admin, match(club, { date }))).body.id as string;
    expect((await fansList({ club })).body.items).toMatchObject([{ id, title: 'Test Club vs Olympique Lyonnais', price_from: 1000, seats_available: 45 }]);
    expect((await fansList({ from: date })).body.items[0]).toMatchObject({ id });
    const changed = await update(admin, id, {
      title: 'Test Club vs OL',
      hot: true,
      categories: [{ category: 'tribune', price: 1500 }, { category: 'pelouse', price: 800, capacity: 100 }],
    });
    expect(changed.status).toBe(200);
    expect((await fansList({ club })).body.items).toMatchObject([{ id, title: 'Test Club vs OL', hot: true, price_from: 800, seats_available: 145 }]);
    expect((await fansList({ from: date })).body.items[0]).toMatchObject({ id, title: 'Test Club vs OL' });
    const detail = await fansSee(id);
    expect(detail.body.categories).toEqual([
      { category: 'pelouse', price: 800, capacity: 100, available: 100 },
      { category: 'tribune', price: 1500, capacity: 40, available: 40 },
      { category: 'loge', price: 9000, capacity: 5, available: 5 },
    ]);
    expect((await list(admin, { club })).body.items).toEqual([changed.body]);
  });

  it('sells a new match through its waiting room: join, pass, purchase; a repricing applies to sales to come only', async () => {
    const { club, admin } = await clubWithAdmin();
    const id = (await create(admin, match(club, { waiting_room: true, admit_per_minute: 600 }))).body.id as string;
    const [fan] = await fundedFans(1, 50_000);
    expectProblem(await buy(fan!, id), 403, '/problems/queue-pass-required');
    const joined = await invoke(joinHandler, { path: `/api/tickets/events/${id}/queue`, method: 'POST', token: fan!.token, params: { id } });
    expect(joined.body).toMatchObject({ status: 'admitted', pass: expect.any(String) });
    const bought = await buy(fan!, id, 'tribune', joined.body.pass);
    expect(bought.status).toBe(201);
    expect(bought.body.total).toBe(1000);
    await update(admin, id, { categories: [{ category: 'tribune', price: 1200 }] });
    expect((await buy(fan!, id, 'tribune', joined.body.pass)).body.total).toBe(1200);
    const [{ prices }] = (await db()`select array_agg(price order by price) as prices from tickets where event_id = ${id}`) as unknown as [{ prices: number[] }];
    expect(prices).toEqual([1000, 1200]);
    expect((await show(admin, id)).body.categories[0]).toMatchObject({ category: 'tribune', capacity: 40, sold: 2, left: 38 });
  });

  it("does not keep the waiting room's stale sale facts: a room closed, or a sale opened, holds at once", async () => {
    const { club, admin } = await clubWithAdmin();
    const id = (await create(admin, match(club, { waiting_room: true }))).body.id as string;
    const [fan] = await fundedFans(1);
    // Read, and cached in Redis and this container's memory, by the refusal.
    expectProblem(await buy(fan!, id), 403, '/problems/queue-pass-required');
    await update(admin, id, { waiting_room: false, on_sale_at: at(DAY) });
    expectProblem(await buy(fan!, id), 422, '/problems/not-on-sale');
    await update(admin, id, { on_sale_at: null });
    expect((await buy(fan!, id)).status).toBe(201);
  });

  it('never takes a capacity below what was sold (409 with `sold`), and deals what is left over the shards', async () => {
    const { club, admin } = await clubWithAdmin();
    const id = (await create(admin, match(club))).body.id as string;
    const [fan] = await fundedFans(1, 50_000);
    for (let i = 0; i < 3; i++) expect((await buy(fan!, id, 'loge')).status).toBe(201);
    const below = await update(admin, id, { categories: [{ category: 'loge', capacity: 2 }] });
    expectProblem(below, 409, '/problems/capacity-below-sold');
    expect(below.body).toMatchObject({ category: 'loge', sold: 3 });
    const exact = await update(admin, id, { categories: [{ category: 'loge', capacity: 3 }] });
    expect(exact.body.categories[1]).toMatchObject({ category: 'loge', capacity: 3, sold: 3, left: 0 });
    expectProblem(await buy(fan!, id, 'loge'), 409, '/problems/sold-out');
    const grown = await update(admin, id, { categories: [{ category: 'loge', capacity: 40 }, { category: 'tribune', capacity: 3 }] });
    expect(grown.body.categories).toMatchObject([
      { category: 'tribune', capacity: 3, sold: 0, left: 3 },
      { category: 'loge', capacity: 40, sold: 3, left: 37 },
    ]);
    // A small category grown gets the shards a category of its size is made with; one shrunk keeps its own.
    expect((await shards(id, 'loge')).map((s) => s.available)).toEqual([5, 5, 5, 5, 5, 4, 4, 4]);
    expect((await shards(id, 'tribune')).map((s) => s.available)).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect((await fansSee(id)).body.categories).toContainEqual({ category: 'loge', price: 9000, capacity: 40, available: 37 });
  });

  it('never oversells while fans buy and the admin cuts the capacity at the same time', async () => {
    const { club, admin } = await clubWithAdmin();
    const id = (await create(admin, match(club, { categories: [{ category: 'tribune', price: 100, capacity: 40 }] }))).body.id as string;
    const crowd = await fundedFans(30, 1000);
    const cuts = [30, 25, 20, 15, 12];
    const answers = await Promise.all([
      ...crowd.map((fan) => buy(fan, id)),
      ...cuts.map(async (capacity, i) => {
        await new Promise((r) => setTimeout(r, i * 15));
        return update(admin, id, { categories: [{ category: 'tribune', capacity }] });
      }),
    ]);
    const purchases = answers.slice(0, crowd.length);
    const changes = answers.slice(crowd.length);
    expect(purchases.every((a) => a.status === 201 || (a.status === 409 && a.body.type === '/problems/sold-out'))).toBe(true);
    for (const change of changes) {
      expect([200, 409]).toContain(change.status);
      // A cut refused was below what was sold at that moment.
      if (change.status === 409) expect(change.body.sold).toBeGreaterThan(cuts[changes.indexOf(change)]!);
    }
    const sold = purchases.filter((a) => a.status === 201).length;
    const after = (await show(admin, id)).body;
    const [tribune] = after.categories;
    expect(await ticketsSold(id)).toBe(sold);
    expect(tribune).toMatchObject({ sold, left: tribune.capacity - sold });
    expect(sold).toBeLessThanOrEqual(tribune.capacity);
    expect((await shards(id, 'tribune')).reduce((sum, s) => sum + s.available, 0)).toBe(tribune.left);
  }, 60_000);

  it('counts the seats of a purchase still in flight as the cut begins: the cut waits for it', async () => {
    const { club, admin } = await clubWithAdmin();
    const id = (await create(admin, match(club, { categories: [{ category: 'tribune', price: 100, capacity: 10 }] }))).body.id as string;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const took = new Promise<void>((resolve) => (taken = resolve));
    // The seats a purchase takes, in its transaction, not committed yet.
    const inFlight = db().begin(async (sql) => {
      await sql`select seats_take(${id}, 'tribune', 4)`;
      taken();
      await released;
    });
    await took;
    const cut = update(admin, id, { categories: [{ category: 'tribune', capacity: 5 }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await inFlight;
    expect((await cut).body.categories[0]).toMatchObject({ capacity: 5, sold: 4, left: 1 });
    expect((await shards(id, 'tribune')).reduce((sum, s) => sum + s.available, 0)).toBe(1);
  });
});

describe('a match postponed', () => {
  let api: ManagementApi;
  beforeAll(async () => {
    api = await managementApi();
  });
  afterAll(() => api.close());

  const told = async (fan: Fan) =>
    (await invoke(notificationsList, { path: '/api/notifications', token: fan.token })).body.items.filter((n: { kind: string }) => n.kind === 'event-rescheduled');

  it('tells every holder once, over their WebSocket too, and their tickets still scan at the gate', async () => {
    const { club, admin } = await clubWithAdmin();
    const made = (await create(admin, match(club))).body;
    const id = made.id as string;
    const [ana, bob, eve] = await fundedFans(3, 50_000);
    const anas = [(await buy(ana!, id)).body.tickets[0].id, (await buy(ana!, id, 'loge')).body.tickets[0].id] as string[];
    const bobs = (await buy(bob!, id)).body.tickets[0].id as string;
    const connection = `alive-${randomUUID()}`;
    await db()`insert into ws_connections (connection_id, user_id, endpoint, expires_at) values (${connection}, ${ana!.id}, ${api.endpoint}, now() + interval '1 hour')`;

    const later = at(37 * DAY);
    const moved = await update(admin, id, { date: later });
    expect(moved.status).toBe(200);
    expect(moved.body.date).toBe(new Date(later).toISOString());
    for (const fan of [ana!, bob!]) {
      const notes = await told(fan);
      expect(notes).toHaveLength(1);
      expect(notes[0].payload).toMatchObject({ event_id: id, from: made.date, to: new Date(later).toISOString(), message: expect.stringContaining('stay valid') });
    }
    expect(await told(eve!)).toEqual([]);
    expect(api.received.get(connection)).toMatchObject([{ type: 'notification', notification: { kind: 'event-rescheduled', payload: { event_id: id } } }]);
    // The same date again is no news; another one is.
    await update(admin, id, { date: later, title: 'Test Club vs OL' });
    expect(await told(ana!)).toHaveLength(1);
    await update(admin, id, { date: at(44 * DAY) });
    expect(await told(bob!)).toHaveLength(2);

    expect((await fansSee(id)).body.date).toBe((await show(admin, id)).body.date);
    const gate = await staffMember(club, 'steward');
    for (const [fan, ticket] of [[ana!, anas[0]!], [ana!, anas[1]!], [bob!, bobs]] as const) {
      expect((await scan(gate.token, await codeOf(fan, ticket), id)).body).toMatchObject({ result: 'admitted', ticket });
    }
  });

  it('leaves each change in the audit trail, with the match before and after', async () => {
    const { club, admin } = await clubWithAdmin();
    const made = (await create(admin, match(club))).body;
    const changed = (await update(admin, made.id, { date: at(40 * DAY), categories: [{ category: 'loge', capacity: 8 }] })).body;
    expectProblem(await update(admin, made.id, { categories: [{ category: 'loge', capacity: 0 }] }), 400);
    const trail = (await audit(admin, club)).body.items;
    expect(trail).toMatchObject([
      { action: 'event.update', actor: { id: admin.id }, role: 'admin', object: { type: 'event', id: made.id }, before: made, after: changed },
      { action: 'event.create', actor: { id: admin.id }, role: 'admin', object: { type: 'event', id: made.id }, before: null, after: made },
    ]);
  });
});
