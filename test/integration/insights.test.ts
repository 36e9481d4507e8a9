/**
 * Insights, predictions and platform stats through their handlers. Each test
 * has clubs, products and matches of its own, with purchases written
 * straight to the database where their times matter (the months of spend,
 * the window of a sales pace), so that every figure is known exactly; the
 * reasons must say the same figures; and one fan's purchases never show in
 * another's insights.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as insightsGet } from '../../functions/ai/insights';
import { handler as predictionsGet } from '../../functions/ai/predictions';
import { handler as addToCart } from '../../functions/shop/cart-add';
import { handler as checkoutHandler } from '../../functions/shop/checkout';
import { handler as statsGet } from '../../functions/stats/get';
import { keys } from '../../lib/cache';
import { db } from '../../lib/db';
import { display } from '../../lib/money';
import type { ForecastView, InsightsView, PredictionsView } from '../../lib/insights/schemas';
import { recommendationsFor } from '../../lib/recommendations/recommender';
import { redis } from '../../lib/redis';
import { expectProblem } from '../support/assertions';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { buy } from '../support/tickets';
import { deposit, key } from '../support/wallet';

const insightsOf = (fan: Fan) => invoke<InsightsView>(insightsGet, { path: '/api/ai/insights', token: fan.token });
const predictionsOf = (fan: Fan) => invoke<PredictionsView>(predictionsGet, { path: '/api/ai/predictions', token: fan.token });
const statsNow = () => invoke(statsGet, { path: '/api/stats' });

/** Drops a cached answer, as its TTL would. */
const expire = (...entries: { key: string }[]) => redis()!.del(...entries.map((e) => e.key));
const insightsKey = (fan: Fan) => keys.ai(`insights:${fan.id}`, 1800);

const newClub = async (name: string) => {
  const id = `TEST_${randomBytes(5).toString('hex').toUpperCase()}`;
  await db()`insert into clubs (id, name, short_name, city, league) values (${id}, ${name}, 'Test', 'Testville', 'Test League')`;
  return id;
};

type ProductSpec = { category: string; price: number; old_price?: number; player?: string };
const newProduct = async (club: string, spec: ProductSpec) => {
  const id = `test-${randomBytes(5).toString('hex')}`;
  await db()`
    insert into products (id, name, club, category, price, old_price, stock, player)
    values (${id}, ${`Product ${id}`}, ${club}, ${spec.category}, ${spec.price}, ${spec.old_price ?? null}, 100, ${spec.player ?? null})`;
  return { id, ...spec };
};

/** An order placed `monthsAgo` calendar months back, as checkout writes its items. */
const placeOrder = async (fan: Fan, lines: [product: { id: string; price: number }, quantity: number][], monthsAgo = 0, status = 'paid') => {
  const items = lines.map(([p, quantity]) => ({ product_id: p.id, name: `Product ${p.id}`, unit_price: p.price, quantity }));
  const total = lines.reduce((n, [p, quantity]) => n + p.price * quantity, 0);
  await db()`
    insert into orders (user_id, items, total, status, created_at)
    values (${fan.id}, ${db().json(items)}, ${total}, ${status}, now() - make_interval(months => ${monthsAgo}))`;
};

/** A match of `club` in `days`, on sale since `onSaleDaysAgo`, with its seat categories (seats left as given). */
const newMatch = async (club: string, days: number, onSaleDaysAgo: number, categories: { category: string; price: number; capacity: number; available: number }[]) => {
  const id = `test-${randomBytes(5).toString('hex')}`;
  await db()`
    insert into events (id, title, club, date, venue, competition, price_from, created_at)
    values (${id}, ${`Match ${id}`}, ${club}, now() + make_interval(days => ${days}), 'Test Arena', 'Test Cup', ${Math.min(...categories.map((c) => c.price))},
            now() - make_interval(days => ${onSaleDaysAgo}))`;
  await db()`insert into event_categories ${db()(categories.map((c) => ({ ...c, event_id: id })))}`;
  return id;
};

/** `count` tickets of the fan's, sold `hoursAgo`. */
const issueTickets = async (fan: Fan, event: string, category: string, price: number, count: number, hoursAgo = 0, status = 'valid') => {
  await db()`
    insert into tickets (user_id, event_id, category, price, status, created_at)
    select ${fan.id}, ${event}, ${category}, ${price}, ${status}, now() - make_interval(secs => ${hoursAgo * 3600})
    from generate_series(1, ${count})`;
};

const withoutProjectedTime = (forecasts: InsightsView['predictions']) =>
  forecasts.map(({ total, categories, ...match }) => ({
    ...match,
    total: { ...total, sells_out_at: null },
    categories: categories.map((c) => ({ ...c, sells_out_at: null })),
  }));

describe('insights', () => {
  it("works out each fan's favourite team and player and shopping style from their own purchases only, with reasons that say the figures", async () => {
    const home = await newClub('Home United');
    const rival = await newClub('Rival City');
    const ana = await newFan({ club_id: home });
    const ben = await newFan({ club_id: rival });
    const jersey = await newProduct(home, { category: 'jerseys', price: 8000, old_price: 10000, player: 'Alpha' });
    const alphaCard = await newProduct(home, { category: 'collectibles', price: 1000, player: 'Alpha' });
    const betaCard = await newProduct(home, { category: 'collectibles', price: 1500, player: 'Beta' });
    const scarf = await newProduct(home, { category: 'accessories', price: 2000 });
    const homeMatch = await newMatch(home, 20, 1, [{ category: 'stand', price: 3000, capacity: 100, available: 98 }]);
    const rivalMatch = await newMatch(rival, 20, 1, [{ category: 'stand', price: 5000, capacity: 100, available: 96 }]);

    // Ana: two orders standing, one cancelled; one ticket for her club's match, four for the rival's, one refunded.
    await placeOrder(ana, [[jersey, 1], [scarf, 1]], 2, 'delivered');
    await placeOrder(ana, [[alphaCard, 2], [betaCard, 1]]);
    await placeOrder(ana, [[betaCard, 5]], 0, 'cancelled');
    await issueTickets(ana, homeMatch, 'stand', 3000, 1);
    await issueTickets(ana, rivalMatch, 'stand', 5000, 4);
    await issueTickets(ana, homeMatch, 'stand', 3000, 1, 0, 'refunded');
    // Ben: Beta cards and a ticket for Ana's club's match.
    await placeOrder(ben, [[betaCard, 3]]);
    await issueTickets(ben, homeMatch, 'stand', 3000, 1);

    const forAna = await insightsOf(ana);
    expect(forAna.status).toBe(200);
    expect(forAna.body.favorite_team).toEqual({
      club_id: home,
      name: 'Home United',
      // A tie, 3 + 1 against 4 tickets: the club she chose wins it.
      reason: 'Home United scores 4: your club (+3) and 1 ticket of your 5 for its matches (+1); next is Rival City with 4.',
      figures: {
        club_weight: 3,
        clubs: [
          { club_id: home, name: 'Home United', chosen: true, tickets: 1, score: 4 },
          { club_id: rival, name: 'Rival City', chosen: false, tickets: 4, score: 4 },
        ],
      },
    });
    expect(forAna.body.favorite_player).toEqual({
      name: 'Alpha',
      purchases: 3,
      items_with_player: 4,
      reason: 'You bought 3 items about Alpha, of 4 items that name a player.',
    });
    // 365.00 spent: tickets 230.00, jerseys 80.00, collectibles 35.00, accessories 20.00, over 3 calendar months.
    expect(forAna.body.shopping_style).toEqual({
      category_shares: { tickets: 0.63, jerseys: 0.219, collectibles: 0.096, accessories: 0.055 },
      average_basket_cents: 6750,
      average_basket: '67.50',
      discount_share: 0.2,
      spend_per_month_cents: 12167,
      spend_per_month: '121.67',
      spent_cents: 36500,
      months: 3,
      orders: 2,
      tickets: 5,
      items: 5,
      items_on_discount: 1,
      reason: '€365.00 on 2 orders and 5 tickets in 3 months: €121.67 a month; €67.50 per order on average; 1 of 5 items bought on discount.',
    });
    expect(forAna.body.predictions.map((m) => m.event_id)).toEqual([homeMatch]);

    const forBen = await insightsOf(ben);
    expect(forBen.body.favorite_team).toMatchObject({
      club_id: rival,
      reason: 'Rival City scores 3: your club (+3); next is Home United with 1.',
      figures: { clubs: [{ club_id: rival, chosen: true, tickets: 0, score: 3 }, { club_id: home, chosen: false, tickets: 1, score: 1 }] },
    });
    expect(forBen.body.favorite_player).toEqual({ name: 'Beta', purchases: 3, items_with_player: 3, reason: 'You bought 3 items about Beta, of 3 items that name a player.' });
    expect(forBen.body.shopping_style).toMatchObject({
      category_shares: { collectibles: 0.6, tickets: 0.4 },
      average_basket_cents: 4500,
      discount_share: 0,
      spend_per_month_cents: 7500,
      spent_cents: 7500,
      months: 1,
      orders: 1,
      tickets: 1,
      items: 3,
    });
    expect(forBen.body.predictions.map((m) => m.event_id)).toEqual([rivalMatch]);

    // Kept as the fan's one row of ai_insights, a missing favourite as JSON null.
    const stored = await db()<{ team: string; player: string; spent: number; updated_at: Date }[]>`
      select favorite_team ->> 'club_id' as team, favorite_player ->> 'name' as player, (shopping_style ->> 'spent_cents')::int as spent, updated_at
      from ai_insights where user_id in (${ana.id}, ${ben.id}) order by user_id = ${ana.id} desc`;
    expect(stored.map(({ team, player, spent }) => ({ team, player, spent }))).toEqual([
      { team: home, player: 'Alpha', spent: 36500 },
      { team: rival, player: 'Beta', spent: 7500 },
    ]);
    expect(forAna.body.updated_at).toBe(stored[0]!.updated_at.toISOString());
  });

  it("answers a fan who bought nothing with empty insights, and one with a club with that club and its matches' forecasts", async () => {
    const loner = await newFan();
    const empty = await insightsOf(loner);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({
      favorite_team: null,
      favorite_player: null,
      shopping_style: {
        category_shares: {},
        average_basket_cents: 0,
        average_basket: '0.00',
        discount_share: 0,
        spend_per_month_cents: 0,
        spend_per_month: '0.00',
        spent_cents: 0,
        months: 0,
        orders: 0,
        tickets: 0,
        items: 0,
        items_on_discount: 0,
        reason: 'Nothing bought yet.',
      },
      predictions: [],
      updated_at: expect.any(String),
    });
    const [row] = await db()<{ team: unknown; player: unknown }[]>`select favorite_team as team, favorite_player as player from ai_insights where user_id = ${loner.id}`;
    expect(row).toEqual({ team: null, player: null });

    const club = await newClub('Quiet Rovers');
    const newcomer = await newFan({ club_id: club });
    const answer = await insightsOf(newcomer);
    expect(answer.body.favorite_team).toMatchObject({ club_id: club, reason: 'Quiet Rovers scores 3: your club (+3).' });
    expect(answer.body.favorite_player).toBeNull();
    expect(answer.body.predictions).toEqual([]);

    expectProblem(await invoke(insightsGet, { path: '/api/ai/insights' }), 401);
    expectProblem(await invoke(insightsGet, { path: '/api/ai/insights', token: loner.token, query: { fan: 'x' } }), 400);
  });

  it('are cached 30 minutes: a purchase shows once the cached answer is gone', async () => {
    const club = await newClub('Patient FC');
    const fan = await newFan({ club_id: club });
    const card = await newProduct(club, { category: 'collectibles', price: 1200, player: 'Gamma' });
    expect((await insightsOf(fan)).body.favorite_player).toBeNull();
    await placeOrder(fan, [[card, 1]]);
    expect((await insightsOf(fan)).body.favorite_player).toBeNull();
    const ttl = await redis()!.ttl(insightsKey(fan).key);
    expect(ttl).toBeGreaterThan(1700);
    expect(ttl).toBeLessThanOrEqual(1800);
    await expire(insightsKey(fan));
    expect((await insightsOf(fan)).body.favorite_player).toMatchObject({ name: 'Gamma', purchases: 1 });
  });

  it('make sense for a fan who bought a jersey and a ticket through the API', async () => {
    const club = await newClub('Real Buyers');
    const fan = await newFan({ club_id: club });
    const jersey = await newProduct(club, { category: 'jerseys', price: 8999, old_price: 9999, player: 'Delta' });
    const match = await newMatch(club, 30, 1, [{ category: 'tribune', price: 2500, capacity: 50, available: 50 }]);
    expect((await deposit(fan, 20_000)).status).toBe(201);
    expect((await invoke(addToCart, { path: '/api/shop/cart', token: fan.token, body: { product_id: jersey.id, quantity: 1 } })).status).toBe(200);
    expect((await invoke(checkoutHandler, { path: '/api/shop/checkout', method: 'POST', token: fan.token, headers: { 'idempotency-key': key() } })).status).toBe(201);
    expect((await buy(fan, match, 1, 'tribune')).status).toBe(201);

    const { body } = await insightsOf(fan);
    expect(body.favorite_team).toMatchObject({ club_id: club, reason: 'Real Buyers scores 4: your club (+3) and 1 ticket of your 1 for its matches (+1).' });
    expect(body.favorite_player).toMatchObject({ name: 'Delta', purchases: 1 });
    expect(body.shopping_style).toMatchObject({
      category_shares: { jerseys: 0.783, tickets: 0.217 },
      average_basket_cents: 8999,
      discount_share: 1,
      spend_per_month_cents: 11499,
      orders: 1,
      tickets: 1,
    });
    expect(body.predictions).toHaveLength(1);
    expect(body.predictions[0]!.total).toMatchObject({ capacity: 50, sold: 1, seats_left: 49, sold_in_window: 1, window_hours: 24 });
  });
});

describe('predictions', () => {
  it("forecasts the sell-out of the club's next matches from the pace of their sales, per category and in total, with the figures used", async () => {
    const club = await newClub('Forecast FC');
    const fan = await newFan({ club_id: club });
    const buyer = await newFan();
    // On sale 10 days: paced over the last 7 (168 h). 36 seats sold before that window, 24 in it (and one refunded).
    const big = await newMatch(club, 10, 10, [
      { category: 'north', price: 2000, capacity: 100, available: 40 },
      { category: 'vip', price: 9000, capacity: 10, available: 2 },
    ]);
    await issueTickets(buyer, big, 'north', 2000, 36, 9 * 24);
    await issueTickets(buyer, big, 'north', 2000, 24, 1);
    await issueTickets(buyer, big, 'north', 2000, 1, 1, 'refunded');
    await issueTickets(buyer, big, 'vip', 9000, 8, 48);
    // On sale for a day only: paced over that day.
    const soon = await newMatch(club, 5, 1, [
      { category: 'tribune', price: 1500, capacity: 50, available: 50 },
      { category: 'loge', price: 20000, capacity: 4, available: 0 },
    ]);
    await newMatch(club, -1, 10, [{ category: 'north', price: 2000, capacity: 10, available: 10 }]);
    await newMatch(await newClub('Elsewhere'), 3, 1, [{ category: 'north', price: 2000, capacity: 10, available: 10 }]);

    const answer = await predictionsOf(fan);
    expect(answer.status).toBe(200);
    const { club_id, events, likely_next_purchase, generated_at } = answer.body;
    expect(club_id).toBe(club);
    expect(likely_next_purchase).toEqual((await recommendationsFor(fan.id, 1))[0] ?? null);
    expect(events.map((e) => e.event_id)).toEqual([soon, big]);

    const now = Date.parse(generated_at);
    const projected = (f: ForecastView) => (Date.parse(f.sells_out_at!) - now) / 3_600_000;
    const [first, second] = events;

    expect(first!.categories.map((c) => c.category)).toEqual(['loge', 'tribune']);
    expect(first!.categories[0]).toEqual({
      category: 'loge', capacity: 4, sold: 4, seats_left: 0, window_hours: 24, sold_in_window: 0, per_hour: 0,
      hours_to_sell_out: null, sells_out_at: null, outlook: 'sold_out', reason: 'Sold out: none of the 4 seats is left.',
    });
    expect(first!.categories[1]).toEqual({
      category: 'tribune', capacity: 50, sold: 0, seats_left: 50, window_hours: 24, sold_in_window: 0, per_hour: 0,
      hours_to_sell_out: null, sells_out_at: null, outlook: 'wont_sell_out',
      reason: '0 tickets sold in the last 24 h: the 50 seats left will not sell out at this pace.',
    });
    expect(first!.total).toMatchObject({ capacity: 54, sold: 4, seats_left: 50, outlook: 'wont_sell_out' });

    // north: 24 in 168 h, 40 left: 280 h, past the match in 240 h.
    const [vip, north] = second!.categories;
    expect(north).toMatchObject({
      category: 'north', capacity: 100, sold: 60, seats_left: 40, window_hours: 168, sold_in_window: 24, per_hour: 0.143,
      hours_to_sell_out: 280, outlook: 'wont_sell_out',
    });
    expect(north!.reason).toBe(
      `24 tickets sold in the last 168 h (0.143 an hour): at this pace the 40 seats left would take 280 h, past the match on ${second!.date}: it will not sell out.`,
    );
    expect(projected(north!)).toBeCloseTo(280, 3);
    // vip: 8 in 168 h, 2 left: 42 h.
    expect(vip).toMatchObject({
      category: 'vip', capacity: 10, sold: 8, seats_left: 2, window_hours: 168, sold_in_window: 8, per_hour: 0.048, hours_to_sell_out: 42, outlook: 'sells_out',
      reason: '8 tickets sold in the last 168 h (0.048 an hour): at this pace the 2 seats left go in 42 h, before the match.',
    });
    expect(projected(vip!)).toBeCloseTo(42, 3);
    // The whole match: 32 in 168 h, 42 left: 220.5 h, before the match.
    expect(second!.total).toMatchObject({
      capacity: 110, sold: 68, seats_left: 42, window_hours: 168, sold_in_window: 32, per_hour: 0.19, hours_to_sell_out: 220.5, outlook: 'sells_out',
      reason: '32 tickets sold in the last 168 h (0.19 an hour): at this pace the 42 seats left go in 220.5 h, before the match.',
    });
    expect(projected(second!.total)).toBeCloseTo(220.5, 3);

    // The insights carry the same forecasts, from the same function.
    const { body } = await insightsOf(fan);
    expect(withoutProjectedTime(body.predictions)).toEqual(withoutProjectedTime(events));
    expect(await redis()!.ttl(keys.ai(`predictions:${fan.id}`, 1800).key)).toBeGreaterThan(1700);
  });

  it('paces a match from its first sale when that came before its announcement, and over an hour at least', async () => {
    const club = await newClub('Early Birds');
    const fan = await newFan({ club_id: club });
    const buyer = await newFan();
    const presold = await newMatch(club, 20, 0, [{ category: 'stand', price: 2000, capacity: 100, available: 96 }]);
    await issueTickets(buyer, presold, 'stand', 2000, 4, 48);
    const opening = await newMatch(club, 30, 0, [{ category: 'stand', price: 2000, capacity: 10, available: 8 }]);
    await issueTickets(buyer, opening, 'stand', 2000, 2);

    const [first, second] = (await predictionsOf(fan)).body.events;
    expect(first!.total).toMatchObject({ window_hours: 48, sold_in_window: 4, per_hour: 0.083, hours_to_sell_out: 1152, outlook: 'wont_sell_out' });
    expect(second!.total).toMatchObject({
      window_hours: 1, sold_in_window: 2, per_hour: 2, hours_to_sell_out: 4, outlook: 'sells_out',
      reason: '2 tickets sold in the last 1 h (2 an hour): at this pace the 8 seats left go in 4 h, before the match.',
    });
  });

  it('has no forecast for a fan without a club', async () => {
    const loner = await newFan();
    const { status, body } = await predictionsOf(loner);
    expect(status).toBe(200);
    expect(body).toMatchObject({ club_id: null, events: [] });
    expectProblem(await invoke(predictionsGet, { path: '/api/ai/predictions' }), 401);
  });
});

describe('stats', () => {
  it('counts fans, clubs, tickets, orders, eSIMs and the money moved, cached a minute', async () => {
    await expire(keys.statsGlobal());
    const before = await statsNow();
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      fans: expect.any(Number),
      clubs: expect.any(Number),
      tickets_sold: expect.any(Number),
      orders: expect.any(Number),
      esims: expect.any(Number),
      volume_moved_cents: expect.any(Number),
      volume_moved: expect.any(String),
      currency: 'EUR',
      updated_at: expect.any(String),
    });
    // Stewards are staff, not fans.
    const [{ stewards }] = (await db()`select count(distinct user_id)::int as stewards from club_roles`) as unknown as [{ stewards: number }];
    expect(stewards).toBeGreaterThan(0);

    const club = await newClub('Counted FC');
    const fan = await newFan({ club_id: club });
    const match = await newMatch(club, 30, 1, [{ category: 'tribune', price: 2500, capacity: 50, available: 50 }]);
    expect((await deposit(fan, 10_000)).status).toBe(201);
    expect((await buy(fan, match, 2, 'tribune')).status).toBe(201);

    expect((await statsNow()).body).toEqual(before.body);
    await expire(keys.statsGlobal());
    const after = (await statsNow()).body;
    // Other test files may buy meanwhile: at least this fan's purchase shows. Their deposit is not money moved.
    expect(after.fans).toBeGreaterThanOrEqual(before.body.fans + 1);
    expect(after.clubs).toBeGreaterThanOrEqual(before.body.clubs + 1);
    expect(after.tickets_sold).toBeGreaterThanOrEqual(before.body.tickets_sold + 2);
    expect(after.volume_moved_cents).toBeGreaterThanOrEqual(before.body.volume_moved_cents + 5000);
    expect(after.volume_moved).toBe(display(after.volume_moved_cents));
    const [{ fans }] = (await db()`select count(*)::int as fans from users`) as unknown as [{ fans: number }];
    expect(after.fans).toBeLessThanOrEqual(fans - stewards);
  });
});
