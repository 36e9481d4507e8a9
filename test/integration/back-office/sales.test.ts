/**
 * The club's sales figures: per match and category, per product and per
 * day, computed in Postgres and equal to the cent to the club's entries in
 * the ledger, with refunds (a match's ticket refund as the cancellation
 * refunds post them, an order cancelled) taken off; resales between fans
 * are not the club's. Only the club's admins see them.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as salesGet } from '../../../functions/admin/staff/sales';
import { handler as resaleBuy } from '../../../functions/tickets/resale-buy';
import { handler as resaleOffer } from '../../../functions/tickets/resale-offer';
import { handler as addToCart } from '../../../functions/shop/cart-add';
import { handler as checkoutHandler } from '../../../functions/shop/checkout';
import { handler as cancelOrder } from '../../../functions/shop/order-cancel';
import { db } from '../../../lib/db';
import { expectProblem } from '../../support/assertions';
import { newFan, type Fan } from '../../support/fans';
import { invoke } from '../../support/http';
import { clubWithAdmin, staffMember } from '../../support/staff';
import { buy } from '../../support/tickets';
import { deposit, key, send } from '../../support/wallet';

const sales = (by: Fan, query: Record<string, string> = {}) => invoke(salesGet, { path: '/api/admin/sales', token: by.token, query });

/** A match of the club's, with two categories of seats. */
const newMatch = async (club: string) => {
  const id = `test-${randomBytes(5).toString('hex')}`;
  await db()`
    insert into events (id, title, club, date, venue, competition, price_from)
    values (${id}, ${`${club} vs Test FC`}, ${club}, now() + interval '20 days', 'Stade Test', 'Test Cup', 1500)`;
  await db()`
    insert into event_categories (event_id, category, price, capacity, available)
    values (${id}, 'tribune', 1500, 100, 100), (${id}, 'vip', 9000, 10, 10)`;
  return id;
};

const newProduct = async (club: string, price: number) => {
  const id = `test-${randomBytes(5).toString('hex')}`;
  await db()`insert into products (id, name, club, category, price, stock) values (${id}, ${`Scarf ${id}`}, ${club}, 'tests', ${price}, 100)`;
  return id;
};

const order = async (fan: Fan, lines: [string, number][]) => {
  for (const [product_id, quantity] of lines) await invoke(addToCart, { path: '/api/shop/cart', token: fan.token, body: { product_id, quantity } });
  const placed = await invoke(checkoutHandler, { path: '/api/shop/checkout', method: 'POST', token: fan.token, headers: { 'idempotency-key': key() } });
  expect(placed.status).toBe(201);
  return placed.body.id as string;
};

/** A ticket refunded as a match's cancellation refunds it: one `refund` transfer per ticket, reversing its purchase, on both legs `{event_id, category, ticket_id}`. */
const refundTicket = async (ticketId: string) => {
  await db().begin(async (sql) => {
    const [ticket] = await sql<{ id: string; event_id: string; category: string; price: number; transfer_id: string; user_id: string; fan_wallet: string; seller: string }[]>`
      select t.id, t.event_id, t.category, t.price, t.transfer_id, t.user_id, f.wallet_id as fan_wallet, s.wallet_id as seller
      from tickets t
      join transactions f on f.transfer_id = t.transfer_id and f.type = 'purchase'
      join transactions s on s.transfer_id = t.transfer_id and s.type = 'sale'
      where t.id = ${ticketId}`;
    const { event_id, category, price, transfer_id, user_id, fan_wallet, seller } = ticket!;
    const metadata = { event_id, category, ticket_id: ticketId };
    await sql`select ledger_post('refund', ${sql.json([
      { wallet_id: seller, user_id: null, type: 'refund', amount: -price, counterparty_wallet_id: fan_wallet, metadata },
      { wallet_id: fan_wallet, user_id, type: 'refund', amount: price, counterparty_wallet_id: seller, metadata },
    ])}, ${transfer_id})`;
  });
};

/** Sums taken straight from the ledger: the club's entries on the ticketing and shop_revenue accounts. */
const ledger = async (events: string[], orders: string[]) => {
  const [sums] = await db()<{ tickets: number; ticket_refunds: number; shop: number; shop_refunds: number }[]>`
    select coalesce(sum(t.amount) filter (where w.system = 'ticketing'), 0)::bigint as tickets,
           coalesce(-sum(t.amount) filter (where w.system = 'ticketing' and t.type = 'refund'), 0)::bigint as ticket_refunds,
           coalesce(sum(t.amount) filter (where w.system = 'shop_revenue'), 0)::bigint as shop,
           coalesce(-sum(t.amount) filter (where w.system = 'shop_revenue' and t.type = 'refund'), 0)::bigint as shop_refunds
    from transactions t join wallets w on w.id = t.wallet_id
    where w.system in ('ticketing', 'shop_revenue')
      and (t.metadata ->> 'event_id' = any(${events}) or t.metadata ->> 'order_id' = any(${orders}))`;
  return sums!;
};

describe('sales figures', () => {
  it("equal the club's ledger entries to the cent: tickets per match and category, products, days, with refunds taken off", async () => {
    const { club, admin } = await clubWithAdmin();
    const other = await clubWithAdmin();
    const [ana, bob] = [await newFan(), await newFan()];
    for (const fan of [ana, bob]) expect((await deposit(fan, 100_000)).status).toBe(201);
    const [match, cup] = [await newMatch(club), await newMatch(club)];
    const elsewhere = await newMatch(other.club);

    const bought = await buy(ana, match, 3, 'tribune');
    expect(bought.status).toBe(201);
    await buy(bob, match, 1, 'vip');
    await buy(bob, cup, 2, 'tribune');
    await buy(bob, elsewhere, 1, 'tribune');
    await refundTicket(bought.body.tickets[0].id);

    const [scarf, shirt, foreign] = [await newProduct(club, 1299), await newProduct(club, 7450), await newProduct(other.club, 999)];
    const kept = await order(ana, [[scarf, 2], [shirt, 1], [foreign, 1]]);
    const cancelled = await order(bob, [[scarf, 1]]);
    const cancel = await invoke(cancelOrder, { path: `/api/shop/orders/${cancelled}/cancel`, method: 'POST', token: bob.token, params: { id: cancelled }, headers: { 'idempotency-key': key() } });
    expect(cancel.status).toBe(200);
    // Money between fans is not the club's: a payment, and a ticket resold.
    expect((await send(ana, bob.email, 500)).status).toBe(201);
    const ticket = bought.body.tickets[1].id as string;
    const offered = await invoke(resaleOffer, { path: `/api/tickets/${ticket}/resale`, token: ana.token, params: { id: ticket }, body: { price: 1400 } });
    expect(offered.status).toBe(201);
    const resold = await invoke(resaleBuy, {
      path: `/api/tickets/resale/${offered.body.id}/buy`, method: 'POST', token: bob.token, params: { id: offered.body.id }, headers: { 'idempotency-key': key() },
    });
    expect(resold.status).toBe(201);

    const answered = await sales(admin);
    expect(answered.status).toBe(200);
    expect(answered.body.clubs).toHaveLength(1);
    const [figures] = answered.body.clubs;
    expect(figures.club).toBe(club);
    expect(figures.tickets.map((t: { event_id: string; category: string; sold: number; refunded: number; revenue: number }) => [t.event_id, t.category, t.sold, t.refunded, t.revenue]).sort()).toEqual(
      [
        [match, 'tribune', 3, 1, 2 * 1500],
        [match, 'vip', 1, 0, 9000],
        [cup, 'tribune', 2, 0, 2 * 1500],
      ].sort(),
    );
    expect(figures.products.map((p: { product_id: string; sold: number; refunded: number; revenue: number }) => [p.product_id, p.sold, p.refunded, p.revenue]).sort()).toEqual(
      [
        [scarf, 3, 1, 2 * 1299],
        [shirt, 1, 0, 7450],
      ].sort(),
    );

    // The ledger's own sums: of the other club's product in the mixed order only its lines differ.
    const sums = await ledger([match, cup], [kept, cancelled]);
    const sum = (items: { revenue: number }[]) => items.reduce((total, i) => total + i.revenue, 0);
    expect(sum(figures.tickets)).toBe(sums.tickets);
    expect(sum(figures.products)).toBe(sums.shop - 999);
    expect(figures.totals).toEqual({
      tickets_revenue: sums.tickets,
      shop_revenue: sums.shop - 999,
      refunds: sums.ticket_refunds + sums.shop_refunds,
      revenue: sums.tickets + sums.shop - 999,
    });
    expect(figures.days).toEqual([{ day: new Date().toISOString().slice(0, 10), ...figures.totals }]);

    // The other club's admin sees its own figures only.
    const theirs = (await sales(other.admin)).body.clubs[0];
    expect(theirs.tickets.map((t: { event_id: string }) => t.event_id)).toEqual([elsewhere]);
    expect(theirs.products).toMatchObject([{ product_id: foreign, sold: 1, refunded: 0, revenue: 999 }]);

    // A period without the movements is empty, and ?club narrows.
    const before = await sales(admin, { from: '2025-01-01', to: '2025-12-31', club });
    expect(before.body).toMatchObject({ from: '2025-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z', currency: 'EUR' });
    expect(before.body.clubs).toEqual([{ club, tickets: [], products: [], days: [], totals: { tickets_revenue: 0, shop_revenue: 0, refunds: 0, revenue: 0 } }]);
  });

  it('answers admins only, of the club asked', async () => {
    const { club } = await clubWithAdmin();
    const other = await clubWithAdmin();
    for (const outsider of [other.admin, await staffMember(club, 'moderator'), await staffMember(club, 'steward'), await newFan({ club_id: club })]) {
      expectProblem(await sales(outsider, { club }), 404);
    }
    expectProblem(await sales(await newFan()), 404);
  });

  it('refuses bad periods with 400', async () => {
    const { admin } = await clubWithAdmin();
    const periods: Record<string, string>[] = [
      { from: 'yesterday' },
      { to: '2026-13-01' },
      { from: '2026-02-30' },
      { from: '2026-03-01T10:00:00' },
      { from: '2026-03-02', to: '2026-03-01' },
      { from: '2026-03-01T10:00:00Z', to: '2026-03-01T10:00:00Z' },
      { from: '2024-01-01', to: '2025-06-01' },
    ];
    for (const query of periods) {
      expectProblem(await sales(admin, query), 400);
    }
    expect((await sales(admin, { from: '2025-03-01', to: '2026-02-28' })).status).toBe(200);
    expect((await sales(admin, { from: '2026-03-01T10:00:00+02:00', to: '2026-03-01T10:00:01+02:00' })).status).toBe(200);
  });
});
