/**
 * `npm run bench -- reads`: what the cache buys on reads, and whether a fan
 * ever reads their own write stale.
 *
 * - Warm throughput of GET /api/shop/products?club=AS_MONACO in-process
 *   (WORKERS callers back to back), with the cache, beside the same handler
 *   with its cache lookups answered "nothing" without a call to Redis: it
 *   then reads Postgres every time, and still counts the request against
 *   its rate limit in Redis, as it would in production.
 * - The cache hit ratio of FANS fans of the seed's clubs using the app for
 *   MIX_SECONDS: the reads a fan app makes (products by club and category, a
 *   product, events and one event, eSIM plans, balance, statement, cart,
 *   orders, conversations, feed, profile) and now and then a write (add to
 *   cart, deposit, checkout, ticket purchase), a call every THINK_MS on
 *   average. Counted at the cache client: each lookup of a cached key is a
 *   hit, or a miss on a key a write invalidated or on one never filled or
 *   expired (lib/cache.ts). Each fan has opened the app once before it is counted.
 * - Stale reads of one's own writes: after each write the fan's next reads
 *   of what it changed (balance and statement after a deposit, cart after an
 *   add, balance, cart, orders and the club's products after a checkout,
 *   balance and the club's events after a ticket purchase) are compared with
 *   Postgres, read directly once the write has answered. Balances, carts and
 *   statements are the fan's alone and must be equal; stock and seats only
 *   fall here, so a list showing more than Postgres did is stale.
 *
 * Runs on its own fresh seeded database and Redis bridge process, and drops
 * them at the end. Prints figures, asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import type { Redis } from '@upstash/redis';
import { startScratch } from '../scripts/local-services';
import { drive, useScratch, type Stats } from './measure';
import { startBridgeProcess } from './redis-bridge-process';
import type { Figure } from './summary';

const WORKERS = 16;
const WARMUP_SECONDS = 1;
const MEASURE_SECONDS = 6;
const FANS = 50;
const MIX_SECONDS = 30;
const THINK_MS = 1000;
const STARTING_BALANCE = 100_000;

/** What `cached` made of each lookup, by the key's first segment; `bypass` answers every lookup empty without Redis. */
type Tally = Record<string, { hits: number; empty: number; written: number }>;

/**
 * Wraps the API's own Redis client (an instance whose `mget` and `eval` are
 * own properties), so that what is counted is what `cached` saw: a lookup
 * reads the key and its version in one MGET; a miss on a key that has a
 * version is one a write invalidated, else the key was never filled or has
 * expired (lib/cache.ts). Only cache lookups read a key and its version in one MGET.
 */
const instrument = (client: Redis) => {
  const state = { bypass: false, tally: {} as Tally };
  const mget = client.mget;
  const evaluate = client.eval;
  client.mget = (async (...keys: string[]) => {
    // A write noting versions before it begins (versionsOf) is not a lookup.
    if (keys.length !== 2 || keys[1] !== `${keys[0]}:v`) return state.bypass ? keys.map(() => null) : mget(...keys);
    const [key, version] = keys as [string, string];
    if (state.bypass) return [null, null];
    const [value, written] = await mget<[unknown, unknown]>(key, version);
    const family = (state.tally[key.split(':')[0]!] ??= { hits: 0, empty: 0, written: 0 });
    if (value !== null) family.hits++;
    else if (written !== null) family.written++;
    else family.empty++;
    return [value, written];
  }) as Redis['mget'];
  client.eval = ((...args: Parameters<Redis['eval']>) => (state.bypass ? Promise.resolve(0) : evaluate(...args))) as Redis['eval'];
  return state;
};

/** mulberry32, so that every run makes the same choices. */
const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export const main = async (): Promise<Figure[]> => {
  const scratch = await startScratch('bench', { seed: true, redis: startBridgeProcess });
  const cleanups: Array<() => Promise<unknown>> = [scratch.stop];
  try {
    await useScratch(scratch, WORKERS);
    // Only now: the lib reads its settings, and the logger its level, on first use.
    const { redis } = await import('../lib/redis');
    const { RATE_PREFIX } = await import('../lib/cache');
    const { closeDb } = await import('../lib/db');
    cleanups.push(closeDb);
    const { newFan } = await import('../test/support/fans');
    const { deposit } = await import('../test/support/wallet');
    const { invoke } = await import('../test/support/http');
    const handlers = {
      products: (await import('../functions/shop/products-list')).handler,
      product: (await import('../functions/shop/product-get')).handler,
      events: (await import('../functions/tickets/events-list')).handler,
      event: (await import('../functions/tickets/event-get')).handler,
      plans: (await import('../functions/esim/plans-list')).handler,
      balance: (await import('../functions/wallet/balance')).handler,
      transactions: (await import('../functions/wallet/transactions')).handler,
      cart: (await import('../functions/shop/cart-get')).handler,
      orders: (await import('../functions/shop/orders-list')).handler,
      conversations: (await import('../functions/social/conversations-list')).handler,
      feed: (await import('../functions/feed/get')).handler,
      me: (await import('../functions/auth/me')).handler,
      addToCart: (await import('../functions/shop/cart-add')).handler,
      checkout: (await import('../functions/shop/checkout')).handler,
      purchase: (await import('../functions/tickets/purchase')).handler,
    };
    const cache = instrument(redis()!);
    const truth = postgres(scratch.databaseUrl, { max: 4, onnotice: () => {} });
    cleanups.push(() => truth.end({ timeout: 5 }));

    // 1. The same list, warm, with and without the cache.
    const listOnce = async (worker: number) => {
      const { status, raw } = await invoke(handlers.products, { path: '/api/shop/products', query: { club: 'AS_MONACO' }, ip: `10.9.0.${worker + 1}` });
      if (status !== 200) throw new Error(`products answered ${status} ${raw}`);
    };
    const run = async (bypass: boolean, seconds: number) => {
      cache.bypass = bypass;
      try {
        return await drive(WORKERS, seconds, listOnce);
      } finally {
        cache.bypass = false;
      }
    };
    // In the order cached, not, not, cached, each half its seconds, averaged: the machine's load (shared) falls on both alike.
    const mean = (a: Stats, b: Stats): Stats => ({
      count: a.count + b.count, perSecond: (a.perSecond + b.perSecond) / 2, p50: (a.p50 + b.p50) / 2, p95: (a.p95 + b.p95) / 2,
      errors: a.errors + b.errors, firstError: a.firstError ?? b.firstError,
    });
    await run(false, WARMUP_SECONDS);
    await run(true, WARMUP_SECONDS);
    const [a1, b1, b2, a2] = [await run(false, MEASURE_SECONDS / 2), await run(true, MEASURE_SECONDS / 2), await run(true, MEASURE_SECONDS / 2), await run(false, MEASURE_SECONDS / 2)];
    const withCache = mean(a1, a2);
    const withoutCache = mean(b1, b2);

    // 2. Fans using the app.
    const products = await truth<{ id: string; club: string; category: string; stock: number }[]>`select id, club, category, stock from products order by id`;
    const seats = await truth<{ id: string; club: string; category: string }[]>`select e.id, e.club, c.category from events e join event_categories c on c.event_id = e.id order by e.id, c.category`;
    const clubs = [...new Set(seats.map((s) => s.club))].filter((club) => products.some((p) => p.club === club));
    const fans = await Promise.all(Array.from({ length: FANS }, (_, i) => newFan({ club_id: clubs[i % clubs.length]! })));
    for (const fan of fans) {
      const funded = await deposit(fan, STARTING_BALANCE);
      if (funded.status !== 201) throw new Error(`deposit answered ${funded.status} ${funded.raw}`);
    }

    type Fan = (typeof fans)[number] & { club: string; ip: string };
    const read = async (handler: unknown, fan: Fan, path: string, extra: { query?: Record<string, string>; params?: Record<string, string> } = {}) => {
      const answer = await invoke(handler, { path, token: fan.token, ip: fan.ip, ...extra });
      if (answer.status !== 200) throw new Error(`${path} answered ${answer.status} ${answer.raw}`);
      return answer.body;
    };
    const reads = {
      clubProducts: (fan: Fan) => read(handlers.products, fan, '/api/shop/products', { query: { club: fan.club } }),
      categoryProducts: (fan: Fan, pick: () => number) => {
        const categories = [...new Set(products.filter((p) => p.club === fan.club).map((p) => p.category))];
        return read(handlers.products, fan, '/api/shop/products', { query: { club: fan.club, category: categories[Math.floor(pick() * categories.length)]! } });
      },
      allProducts: (fan: Fan) => read(handlers.products, fan, '/api/shop/products'),
      product: (fan: Fan, pick: () => number) => {
        const id = products[Math.floor(pick() * products.length)]!.id;
        return read(handlers.product, fan, `/api/shop/products/${id}`, { params: { id } });
      },
      events: (fan: Fan) => read(handlers.events, fan, '/api/tickets/events', { query: { club: fan.club } }),
      event: (fan: Fan, pick: () => number) => {
        const id = seats[Math.floor(pick() * seats.length)]!.id;
        return read(handlers.event, fan, `/api/tickets/events/${id}`, { params: { id } });
      },
      plans: (fan: Fan) => read(handlers.plans, fan, '/api/esim/plans'),
      balance: (fan: Fan) => read(handlers.balance, fan, '/api/wallet/balance'),
      transactions: (fan: Fan) => read(handlers.transactions, fan, '/api/wallet/transactions'),
      cart: (fan: Fan) => read(handlers.cart, fan, '/api/shop/cart'),
      orders: (fan: Fan) => read(handlers.orders, fan, '/api/shop/orders'),
      conversations: (fan: Fan) => read(handlers.conversations, fan, '/api/social/conversations'),
      feed: (fan: Fan) => read(handlers.feed, fan, '/api/social/feed'),
      me: (fan: Fan) => read(handlers.me, fan, '/api/auth/me'),
    };

    let checks = 0;
    const stale: string[] = [];
    const expect = (what: string, fan: Fan, seen: unknown, truthful: boolean, was: unknown) => {
      checks++;
      if (!truthful) stale.push(`${what} of fan ${fan.id}: read ${JSON.stringify(seen)}, Postgres had ${JSON.stringify(was)}`);
    };
    const balanceIs = async (fan: Fan) => {
      const [wallet] = await truth<{ balance: number }[]>`select balance from wallets where user_id = ${fan.id}`;
      const seen = (await reads.balance(fan)).balance;
      expect('balance', fan, seen, seen === Number(wallet!.balance), wallet!.balance);
    };
    const cartIs = async (fan: Fan) => {
      const lines = (rows: { product_id: string; quantity: number }[]) => rows.map((l) => `${l.product_id}×${l.quantity}`).sort().join(',');
      const was = lines(await truth`select product_id, quantity from cart where user_id = ${fan.id}`);
      const seen = lines((await reads.cart(fan)).items);
      expect('cart', fan, seen, seen === was, was);
    };
    const newestIs = async (what: string, fan: Fan, was: string | undefined, list: () => Promise<{ items: { id: string }[] }>) => {
      const seen = (await list()).items[0]?.id;
      expect(what, fan, seen, seen === was, was);
    };

    /** The writes, each followed by the fan's reads of what it changed. */
    const writes = {
      deposit: async (fan: Fan) => {
        const paid = await deposit(fan, 2000);
        if (paid.status !== 201) throw new Error(`deposit answered ${paid.status} ${paid.raw}`);
        await balanceIs(fan);
        const [entry] = await truth<{ id: string }[]>`
          select t.id from transactions t join wallets w on w.id = t.wallet_id where w.user_id = ${fan.id} order by t.seq desc limit 1`;
        await newestIs('statement', fan, entry?.id, () => reads.transactions(fan));
      },
      addToCart: async (fan: Fan, pick: () => number) => {
        const mine = products.filter((p) => p.club === fan.club);
        const added = await invoke(handlers.addToCart, { path: '/api/shop/cart', token: fan.token, ip: fan.ip, body: { product_id: mine[Math.floor(pick() * mine.length)]!.id } });
        // A line already at its limit is refused: nothing changed.
        if (added.status !== 200) return;
        await cartIs(fan);
      },
      checkout: async (fan: Fan) => {
        const paid = await invoke(handlers.checkout, { path: '/api/shop/checkout', method: 'POST', token: fan.token, ip: fan.ip, headers: { 'idempotency-key': randomBytes(8).toString('hex') } });
        // An empty cart or a product sold out: nothing changed.
        if (paid.status !== 201) return;
        const bought: string[] = paid.body.items.map((i: { product_id: string }) => i.product_id);
        const stock = new Map((await truth<{ id: string; stock: number }[]>`select id, stock from products where id = any(${bought})`).map((p) => [p.id, p.stock]));
        await balanceIs(fan);
        await cartIs(fan);
        await newestIs('orders', fan, paid.body.id, () => reads.orders(fan));
        const listed = (await reads.clubProducts(fan)).items as { id: string; stock: number }[];
        for (const id of bought.filter((b) => stock.has(b) && products.find((p) => p.id === b)!.club === fan.club)) {
          const seen = listed.find((p) => p.id === id)?.stock;
          expect(`stock of ${id}`, fan, seen, seen !== undefined && seen <= stock.get(id)!, stock.get(id));
        }
      },
      purchase: async (fan: Fan, pick: () => number) => {
        const mine = seats.filter((s) => s.club === fan.club);
        const { id: event_id, category } = mine[Math.floor(pick() * mine.length)]!;
        const bought = await invoke(handlers.purchase, { path: '/api/tickets/purchase', token: fan.token, ip: fan.ip, headers: { 'idempotency-key': randomBytes(8).toString('hex') }, body: { event_id, category, quantity: 1 } });
        if (bought.status !== 201) return;
        const [left] = await truth<{ seats: number }[]>`select sum(available)::int as seats from category_seats where event_id = ${event_id}`;
        await balanceIs(fan);
        const seen = ((await reads.events(fan)).items as { id: string; seats_available: number }[]).find((e) => e.id === event_id)?.seats_available;
        expect(`seats of ${event_id}`, fan, seen, seen !== undefined && seen <= left!.seats, left!.seats);
      },
    };

    // Out of 100 calls: what a fan app asks, browsing mostly, writing about one call in twenty.
    const mix: Array<[number, (fan: Fan, pick: () => number) => Promise<unknown>]> = [
      [16, reads.clubProducts], [8, reads.categoryProducts], [4, reads.allProducts], [8, reads.product],
      [11, reads.events], [5, reads.event], [4, reads.plans],
      [11, reads.balance], [6, reads.transactions], [6, reads.cart], [3, reads.orders],
      [4, reads.conversations], [5, reads.feed], [4, reads.me],
      [2, writes.addToCart], [1.5, writes.deposit], [1, writes.checkout], [0.5, writes.purchase],
    ];
    const weight = mix.reduce((sum, [w]) => sum + w, 0);
    const choose = (r: number) => {
      let left = r * weight;
      return mix.find(([w]) => (left -= w) < 0)?.[1] ?? mix[mix.length - 1]![1];
    };

    const people: Fan[] = fans.map((fan, i) => ({ ...fan, club: clubs[i % clubs.length]!, ip: `10.8.${i >> 8}.${(i & 255) + 1}` }));
    // Each fan opens the app once (not counted): the lists and their own balance, cart, statement…
    await Promise.all(people.map(async (fan) => {
      for (const open of [reads.me, reads.balance, reads.transactions, reads.cart, reads.feed, reads.conversations, reads.clubProducts, reads.events, reads.plans]) await open(fan);
    }));
    cache.tally = {};
    let calls = 0;
    let errors = 0;
    let firstError: string | undefined;
    const end = Date.now() + MIX_SECONDS * 1000;
    await Promise.all(people.map(async (fan, i) => {
      const random = generator(1000 + i);
      while (Date.now() < end) {
        await sleep(random() * 2 * THINK_MS);
        try {
          await choose(random())(fan, random);
          calls++;
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    }));
    const families = Object.entries(cache.tally).sort(([a], [b]) => (a < b ? -1 : 1));
    const sum = (f: (t: Tally[string]) => number) => families.reduce((s, [, t]) => s + f(t), 0);
    const [hits, empty, written] = [sum((t) => t.hits), sum((t) => t.empty), sum((t) => t.written)];
    const lookups = hits + empty + written;
    const hitRatio = hits / lookups;

    const line = (cells: Array<[string, number]>) => cells.map(([v, w]) => (w < 0 ? v.padEnd(-w) : v.padStart(w))).join('');
    const rate = (s: Stats) => line([[s.perSecond.toFixed(1), 9], [s.p50.toFixed(2), 9], [s.p95.toFixed(2), 9], [String(s.errors), 8]]);
    const ratio = withCache.perSecond / withoutCache.perSecond;
    const out = [
      '',
      `reads — ${scratch.describe}`,
      '',
      `GET /api/shop/products?club=AS_MONACO in-process, ${WORKERS} workers, ${WARMUP_SECONDS} s warm-up + ${MEASURE_SECONDS} s measured each, in two halves`,
      line([['', -16], ['per s', 9], ['p50 ms', 9], ['p95 ms', 9], ['errors', 8]]),
      `${'cached'.padEnd(16)}${rate(withCache)}`,
      `${'not cached'.padEnd(16)}${rate(withoutCache)}`,
      `${'cached/not'.padEnd(16)}${ratio.toFixed(2).padStart(9)}`,
      ...[withCache, withoutCache].flatMap((s) => (s.firstError ? [`  first error: ${s.firstError}`] : [])),
      '',
      `${FANS} fans of ${clubs.join(', ')} for ${MIX_SECONDS} s, a call every ${THINK_MS} ms on average: ${calls} calls, ${errors} errors`,
      'cache lookups by key      hits   empty    written   hit ratio',
      ...families.map(([family, t]) => line([[family, -22], [String(t.hits), 8], [String(t.empty), 8], [String(t.written), 11], [pct(t.hits / (t.hits + t.empty + t.written)), 12]])),
      line([['all', -22], [String(hits), 8], [String(empty), 8], [String(written), 11], [pct(hitRatio), 12]]),
      `reads of one's own write checked against Postgres: ${checks}, stale: ${stale.length}`,
      ...stale.slice(0, 5).map((s) => `  ${s}`),
      ...(firstError ? [`  first error: ${firstError}`] : []),
    ];
    console.log(out.join('\n'));
    return [
      {
        figure: 'products list per second, cached/not',
        measured: `${ratio.toFixed(2)} (${withCache.perSecond.toFixed(0)}/s, p95 ${withCache.p95.toFixed(1)} ms)`,
        baseline: `${withoutCache.perSecond.toFixed(0)}/s, p95 ${withoutCache.p95.toFixed(1)} ms (same handler, no cache)`,
        target: '> 1',
        met: ratio > 1 && withCache.errors + withoutCache.errors === 0,
      },
      { figure: `cache hit ratio, ${FANS} fans' read-heavy mix`, measured: `${pct(hitRatio)} of ${lookups} lookups`, baseline: `${written} missed after a write, ${empty} on an empty key`, target: '≥ 95 %', met: hitRatio >= 0.95 },
      { figure: "stale reads of one's own writes", measured: `${stale.length} of ${checks}`, baseline: 'Postgres, read directly', target: '0', met: stale.length === 0 && errors === 0 },
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.warn(`cleanup failed: ${error}`));
  }
};
