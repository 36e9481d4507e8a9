/**
 * Recommendations through their handlers: co-occurrence explained with the
 * figures of its confidence, the same list for the same data, cold start
 * from the club's favourites, feedback (dismissed items gone for good,
 * useful ones weighed up) and the away match that calls for an eSIM. Each
 * test has a club, products, matches and plans of its own, bought by a
 * crowd of its own, so that other files' purchases stay out of its figures
 * (but for the count of all fans who bought anything, read from the stored
 * reason).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as feedbackHandler } from '../../functions/ai/recommendations-feedback';
import { handler as recommendationsGet } from '../../functions/ai/recommendations-get';
import { handler as activateHandler } from '../../functions/esim/activate';
import { handler as addToCart } from '../../functions/shop/cart-add';
import { handler as checkoutHandler } from '../../functions/shop/checkout';
import { invalidate } from '../../lib/cache';
import { db } from '../../lib/db';
import { recommendationsKey } from '../../lib/recommendations/keys';
import { CLUB_BOOST, RULE_CONFIDENCE, SHRINK, USEFUL_BOOST, type Reason } from '../../lib/recommendations/recommender';
import { expectProblem } from '../support/assertions';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { buy } from '../support/tickets';
import { deposit, key } from '../support/wallet';

const recommendations = (fan: Fan, query: Record<string, string> = {}) => invoke(recommendationsGet, { path: '/api/ai/recommendations', token: fan.token, query });
const feedback = (fan: Fan, id: string, body: unknown) =>
  invoke(feedbackHandler, { path: `/api/ai/recommendations/${id}/feedback`, method: 'POST', token: fan.token, params: { id }, body });
const checkout = async (fan: Fan, product_id: string) => {
  expect((await invoke(addToCart, { path: '/api/shop/cart', token: fan.token, body: { product_id } })).status).toBe(200);
  expect((await invoke(checkoutHandler, { path: '/api/shop/checkout', method: 'POST', token: fan.token, headers: { 'idempotency-key': key() } })).status).toBe(201);
};
const activate = (fan: Fan, plan_id: string) =>
  invoke(activateHandler, { path: '/api/esim/activate', token: fan.token, headers: { 'idempotency-key': key() }, body: { plan_id } });

type Item = { id: string; type: string; item: string; title: string; content: string; tags: string[]; confidence: number };
const itemsOf = async (fan: Fan, query: Record<string, string> = {}): Promise<Item[]> => {
  const res = await recommendations(fan, query);
  expect(res.status).toBe(200);
  return res.body.recommendations;
};
const reasonOf = async (id: string) => (await db()<{ reason: Reason }[]>`select reason from ai_recommendations where id = ${id}`)[0]!.reason;

const suffix = () => randomBytes(5).toString('hex');

/** A club of the test's own, with products of its own: a jersey, a scarf, a cap and a mug. */
const newShop = async () => {
  const club = `TEST_${suffix().toUpperCase()}`;
  await db()`insert into clubs (id, name, short_name, city, league) values (${club}, ${`Test FC ${club}`}, 'Test', 'Testville', 'Test League')`;
  const product = async (name: string, category: string) => {
    const id = `test-${suffix()}`;
    await db()`insert into products (id, name, club, category, price, stock) values (${id}, ${`${name} ${id}`}, ${club}, ${category}, 1000, 1000)`;
    return { id, name: `${name} ${id}` };
  };
  return {
    club,
    clubName: `Test FC ${club}`,
    jersey: await product('Jersey', 'jerseys'),
    scarf: await product('Scarf', 'accessories'),
    cap: await product('Cap', 'accessories'),
    mug: await product('Mug', 'home'),
  };
};

/** `count` fans of `club` who each bought `products` (one order), `days` ago; straight to the database, as history. */
const crowd = async (club: string, count: number, products: { id: string; name: string }[], days = 10) => {
  for (let i = 0; i < count; i++) {
    const [fan] = await db()<{ id: string }[]>`
      insert into users (email, password, name, club_id) values (${`crowd.${suffix()}@example.test`}, '', 'Crowd', ${club}) returning id`;
    const items = products.map((p) => ({ product_id: p.id, name: p.name, unit_price: 1000, quantity: 1 }));
    await db()`
      insert into orders (user_id, items, total, status, created_at)
      values (${fan!.id}, ${db().json(items)}, ${1000 * items.length}, 'paid', now() - make_interval(days => ${days}))`;
  }
};

/** P(Y|X) shrunk toward P(Y), as lib/recommendations/recommender.ts says, from a reason's figures. */
const shrunk = (r: Extract<Reason, { basis: 'co-occurrence' }>) => (r.fans_with_both + (SHRINK * r.buyers) / r.fans) / (r.fans_with + SHRINK);

describe('recommendations from what fans bought together', () => {
  it('recommends what buyers of the same items bought, explained with the figures of its confidence, the same each time', async () => {
    const shop = await newShop();
    await crowd(shop.club, 8, [shop.jersey, shop.scarf]);
    await crowd(shop.club, 3, [shop.jersey, shop.cap]);
    await crowd(shop.club, 4, [shop.mug]);
    const fan = await newFan({ club_id: shop.club });
    expect((await deposit(fan, 10_000)).status).toBe(201);

    // Before any purchase: the club's favourites. The purchase then clears the cached list.
    expect((await itemsOf(fan)).map((r) => r.item)).toEqual([shop.jersey.id, shop.scarf.id, shop.mug.id, shop.cap.id]);
    await checkout(fan, shop.jersey.id);

    const list = await itemsOf(fan);
    // 8 of the 12 jersey buyers (the fan among them) bought the scarf, 3 the cap; the mug goes with something else.
    expect(list.map((r) => r.item)).toEqual([shop.scarf.id, shop.cap.id, shop.mug.id]);
    const [scarf, cap, mug] = list;
    expect(scarf).toMatchObject({ type: 'product', title: shop.scarf.name, tags: [shop.club, 'accessories'] });
    expect(scarf!.content).toBe(`Bought by 67 % of fans who bought ${shop.jersey.name} (8 of 12)`);
    expect(cap!.content).toBe(`Bought by 25 % of fans who bought ${shop.jersey.name} (3 of 12)`);
    for (const item of [scarf!, cap!]) {
      const reason = await reasonOf(item.id);
      if (reason.basis !== 'co-occurrence') throw new Error(`expected co-occurrence, got ${reason.basis}`);
      expect(reason).toMatchObject({ because: { type: 'product', item: shop.jersey.id }, fans_with: 12, club_boost: CLUB_BOOST, useful_boost: 1 });
      expect(item.confidence).toBeCloseTo(shrunk(reason), 3);
      expect(reason.lift).toBeCloseTo(shrunk(reason) / (reason.buyers / reason.fans), 6);
      expect(reason.score).toBeCloseTo(shrunk(reason) * reason.recency * CLUB_BOOST, 6);
      expect(item.confidence).toBeGreaterThan(0);
      expect(item.confidence).toBeLessThanOrEqual(1);
    }
    expect(scarf!.confidence).toBeGreaterThan(cap!.confidence);
    // The mug fills the list from the club's favourites: 4 of the 16 club fans who bought anything.
    expect(mug!.content).toBe(`Popular with ${shop.clubName} fans: 4 of 16 bought it`);

    // Worked out again from the same data (the cached list dropped): the same list, with the same ids.
    await invalidate(recommendationsKey(fan.id));
    const again = await itemsOf(fan);
    expect(again).toEqual(list);
    expect((await itemsOf(fan, { limit: '1' })).map((r) => r.item)).toEqual([shop.scarf.id]);
  });

  it("gives a fan without purchases their club's favourites, by buyers", async () => {
    const shop = await newShop();
    await crowd(shop.club, 5, [shop.scarf]);
    await crowd(shop.club, 2, [shop.scarf, shop.cap]);
    await crowd(shop.club, 1, [shop.mug]);
    const fan = await newFan({ club_id: shop.club });
    const list = await itemsOf(fan);
    expect(list.map((r) => [r.item, r.content])).toEqual([
      [shop.scarf.id, `Popular with ${shop.clubName} fans: 7 of 8 bought it`],
      [shop.cap.id, `Popular with ${shop.clubName} fans: 2 of 8 bought it`],
      [shop.mug.id, `Popular with ${shop.clubName} fans: 1 of 8 bought it`],
    ]);
    for (const item of list) {
      const reason = await reasonOf(item.id);
      if (reason.basis !== 'popular') throw new Error(`expected popular, got ${reason.basis}`);
      expect(reason.club).toEqual({ id: shop.club, name: shop.clubName });
      expect(item.confidence).toBeCloseTo((reason.buyers + SHRINK * reason.base_rate) / (reason.fans + SHRINK), 3);
    }

    // Without a club, every fan is a peer.
    const loner = await newFan();
    for (const item of await itemsOf(loner, { limit: '3' })) expect(item.content).toMatch(/^Popular with fans: \d+ of \d+ bought it$/);
  });
});

describe('feedback', () => {
  it('never shows a dismissed item again, and weighs up an item called useful', async () => {
    const shop = await newShop();
    await crowd(shop.club, 4, [shop.jersey, shop.scarf]);
    await crowd(shop.club, 3, [shop.jersey, shop.cap]);
    const fan = await newFan({ club_id: shop.club });
    expect((await deposit(fan, 10_000)).status).toBe(201);
    await checkout(fan, shop.jersey.id);
    const [scarf, cap] = await itemsOf(fan);
    expect([scarf!.item, cap!.item]).toEqual([shop.scarf.id, shop.cap.id]);

    // Useful: the cap's score × USEFUL_BOOST puts it above the scarf, 4 of 8 against 3 of 8.
    const useful = await feedback(fan, cap!.id, { feedback: 'useful' });
    expect(useful.status).toBe(200);
    expect(useful.body).toEqual({ id: cap!.id, type: 'product', item: shop.cap.id, feedback: 'useful' });
    expect((await itemsOf(fan)).map((r) => r.item)).toEqual([shop.cap.id, shop.scarf.id]);
    const reason = await reasonOf(cap!.id);
    expect(reason).toMatchObject({ basis: 'co-occurrence', useful_boost: USEFUL_BOOST });

    // Not interested: gone, and stays gone once the list is worked out again.
    expect((await feedback(fan, scarf!.id, { feedback: 'not_interested' })).status).toBe(200);
    expect((await feedback(fan, scarf!.id, { feedback: 'not_interested' })).body.feedback).toBe('not_interested');
    expect((await itemsOf(fan)).map((r) => r.item)).toEqual([shop.cap.id]);
    await crowd(shop.club, 3, [shop.jersey, shop.scarf]);
    await feedback(fan, cap!.id, { feedback: 'useful' });
    expect((await itemsOf(fan)).map((r) => r.item)).toEqual([shop.cap.id]);

    // Another fan's recommendation, or none, is not found; bad feedback is a 400.
    const other = await newFan({ club_id: shop.club });
    const [theirs] = await itemsOf(other);
    expectProblem(await feedback(fan, theirs!.id, { feedback: 'useful' }), 404);
    expectProblem(await feedback(fan, '00000000-0000-4000-8000-000000000000', { feedback: 'useful' }), 404);
    expectProblem(await feedback(fan, cap!.id, { feedback: 'love it' }), 400);
    expectProblem(await feedback(fan, 'not-an-id', { feedback: 'useful' }), 400);
    expectProblem(await recommendations(fan, { limit: '0' }), 400);
    expectProblem(await recommendations(fan, { limit: '21' }), 400);
  });
});

describe('away matches', () => {
  it('recommends the cheapest eSIM covering the country of a match abroad the fan holds a ticket for, until their eSIM covers it', async () => {
    const shop = await newShop();
    const match = `test-${suffix()}`;
    await db()`
      insert into events (id, title, club, date, venue, competition, price_from, country)
      values (${match}, 'Reykjavik FC vs Test FC', ${shop.club}, now() + interval '3 days', 'Laugardalsvöllur', 'Test Cup', 2000, 'IS')`;
    await db()`insert into event_categories (event_id, category, price, capacity, available) values (${match}, 'tribune', 2000, 100, 100)`;
    const plan = async (price: number, countries: string[]) => {
      const id = `test-${suffix()}`;
      await db()`
        insert into esim_plans (id, name, region, data, data_mb, duration, countries, price)
        values (${id}, ${`Plan ${id}`}, 'Nordics', '5GB', 5120, 15, ${countries}, ${price})`;
      return id;
    };
    const wide = await plan(1500, ['IS', 'NO', 'DK']);
    const cheapest = await plan(900, ['IS', 'NO']);
    await plan(400, ['NO']);

    const fan = await newFan({ club_id: shop.club });
    expect((await deposit(fan, 10_000)).status).toBe(201);
    expect(await itemsOf(fan)).toEqual([]);
    expect((await buy(fan, match)).status).toBe(201);

    const [first] = await itemsOf(fan);
    expect(first).toEqual({
      id: expect.any(String),
      type: 'esim_plan',
      item: cheapest,
      title: `Plan ${cheapest}`,
      content: 'You have a ticket for Reykjavik FC vs Test FC in Iceland: this plan covers it',
      tags: ['Nordics'],
      confidence: RULE_CONFIDENCE,
    });
    expect(await reasonOf(first!.id)).toMatchObject({ basis: 'away-match', event: { id: match }, country: 'IS' });

    // Dismissed, the next plan that covers it; once the fan's eSIM covers the match, none.
    await feedback(fan, first!.id, { feedback: 'not_interested' });
    const [next] = await itemsOf(fan);
    expect(next).toMatchObject({ item: wide, confidence: RULE_CONFIDENCE });
    expect((await activate(fan, wide)).status).toBe(201);
    expect((await itemsOf(fan)).filter((r) => r.type === 'esim_plan')).toEqual([]);
  });
});
