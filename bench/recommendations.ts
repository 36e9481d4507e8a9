/**
 * `npm run bench -- recommendations`: how often the recommender names what
 * a fan buys next, beside the popularity baseline.
 *
 * A population of FANS fans over the six demo clubs buys from a catalogue
 * of the bench's own (per club: jerseys, a scarf, a cap, a player's card
 * and flocked jersey, a mug; three home matches and one away match abroad)
 * and the demo eSIM plans, following tastes planted with a seeded random
 * generator: a club (most purchases are of it), and one of a few habits —
 * the kit collector (home jersey, scarf, away jersey, cap), the match-goer
 * (home matches, then the scarf), the traveller (jersey, the away match,
 * then the eSIM that covers its country), the player's fan (card, flocked
 * jersey), the casual buyer (anything popular) — with a tenth of purchases
 * anything at all. Each fan's last purchase is hidden (not written); the
 * rest is history. Then, for every fan, the top 5 of `recommendationsFor`
 * (the API's own code, through its cache and store) and of the baseline:
 * the 5 items most fans bought that this fan has not.
 *
 * hit-rate@5: the share of fans whose hidden purchase is in their top 5.
 * precision@5: hits over items shown, averaged over fans (at most 1/5 here,
 * one item being hidden per fan). Target: ours above the baseline on both.
 *
 * Runs on its own fresh database and drops it at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startScratch } from '../scripts/local-services';
import { percentile, useScratch } from './measure';
import type { Figure } from './summary';

const FANS = 2000;
const SEED = 18;
const TOP = 5;
const WORKERS = 8;
const NOISE = 0.1;

/** mulberry32: a small seeded generator, so that every run plants the same tastes. */
const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

type Kind = 'product' | 'event' | 'esim_plan';
type Item = { type: Kind; id: string };
const keyOf = (item: Item) => `${item.type}:${item.id}`;

/** Clubs by share of fans, and where each plays its away match abroad, with the demo plan that covers it. */
const CLUBS = [
  { id: 'PSG', share: 0.3, away: { country: 'ES', plan: 'eu-5gb-7d' } },
  { id: 'OM', share: 0.2, away: { country: 'GB', plan: 'uk-10gb-15d' } },
  { id: 'AS_MONACO', share: 0.15, away: { country: 'GB', plan: 'uk-10gb-15d' } },
  { id: 'OL', share: 0.15, away: { country: 'DE', plan: 'eu-5gb-7d' } },
  { id: 'LOSC', share: 0.1, away: { country: 'IT', plan: 'eu-5gb-7d' } },
  { id: 'OGC_NICE', share: 0.1, away: { country: 'PT', plan: 'eu-5gb-7d' } },
];
const PRODUCTS = ['home', 'away', 'scarf', 'cap', 'card', 'flocked', 'mug'] as const;
const MATCHES = ['home1', 'home2', 'home3', 'abroad'] as const;

const product = (club: string, name: (typeof PRODUCTS)[number]): Item => ({ type: 'product', id: `bench-${club.toLowerCase()}-${name}` });
const match = (club: string, name: (typeof MATCHES)[number]): Item => ({ type: 'event', id: `bench-${club.toLowerCase()}-${name}` });

/** One fan's purchases, oldest first, as their habit and chance make them. */
const plant = (random: () => number, club: (typeof CLUBS)[number], everything: Item[]): Item[] => {
  const p = (name: (typeof PRODUCTS)[number]) => product(club.id, name);
  const m = (name: (typeof MATCHES)[number]) => match(club.id, name);
  const maybe = (chance: number, item: Item) => (random() < chance ? [item] : []);
  const habit = random();
  const wanted =
    habit < 0.3 ? [p('home'), ...maybe(0.7, p('scarf')), ...maybe(0.5, p('away')), ...maybe(0.3, p('cap'))]
    : habit < 0.5 ? [m('home1'), ...maybe(0.6, m('home2')), ...maybe(0.6, p('scarf')), ...maybe(0.3, m('home3'))]
    : habit < 0.65 ? [...maybe(0.6, p('home')), m('abroad'), ...maybe(0.8, { type: 'esim_plan', id: club.away.plan } as Item)]
    : habit < 0.8 ? [p('card'), ...maybe(0.7, p('flocked')), ...maybe(0.4, p('home'))]
    : [everything[Math.floor(random() ** 3 * everything.length)]!, ...maybe(0.5, p('mug'))];
  const bought = wanted.map((item) => (random() < NOISE ? everything[Math.floor(random() * everything.length)]! : item));
  return bought.filter((item, i) => bought.findIndex((b) => keyOf(b) === keyOf(item)) === i);
};

const pickClub = (random: () => number) => {
  let r = random();
  return CLUBS.find((c) => (r -= c.share) < 0) ?? CLUBS[CLUBS.length - 1]!;
};

/** The baseline: the items most fans bought (ties by type and id), less the fan's own. */
const popularity = (history: Item[][]) => {
  const buyers = new Map<string, number>();
  for (const basket of history) for (const item of basket) buyers.set(keyOf(item), (buyers.get(keyOf(item)) ?? 0) + 1);
  const ranked = [...buyers.entries()].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1)).map(([key]) => key);
  return (owned: Item[]) => {
    const mine = new Set(owned.map(keyOf));
    return ranked.filter((key) => !mine.has(key)).slice(0, TOP);
  };
};

type Score = { hitRate: number; precision: number };
const score = (lists: string[][], hidden: string[]): Score => {
  const hits = lists.map((list, i) => (list.includes(hidden[i]!) ? 1 : 0));
  return {
    hitRate: hits.reduce<number>((a, b) => a + b, 0) / lists.length,
    precision: lists.reduce((sum, list, i) => sum + (list.length ? hits[i]! / list.length : 0), 0) / lists.length,
  };
};

export const main = async (): Promise<Figure[]> => {
  const scratch = await startScratch('bench', { seed: true });
  try {
    await useScratch(scratch, WORKERS);
    // Only now: the lib reads its settings on first use.
    const { db, closeDb } = await import('../lib/db');
    const { recommendationsFor } = await import('../lib/recommendations/recommender');
    try {
      const sql = db();
      const catalogue = CLUBS.flatMap((club) => [...PRODUCTS.map((name) => product(club.id, name)), ...MATCHES.map((name) => match(club.id, name))]);
      await sql`
        insert into products ${sql(
          CLUBS.flatMap((club) =>
            PRODUCTS.map((name) => ({ id: product(club.id, name).id, name: `${club.id} ${name}`, club: club.id, category: name, price: 1000, stock: 1_000_000 })),
          ),
        )}`;
      const when = new Date(Date.now() + 60 * 86_400_000);
      const events = CLUBS.flatMap((club) =>
        MATCHES.map((name) => ({
          id: match(club.id, name).id, title: `${club.id} ${name}`, club: club.id, date: when, venue: 'Bench Stadium', competition: 'Bench Cup',
          price_from: 1000, country: name === 'abroad' ? club.away.country : 'FR',
        })),
      );
      await sql`insert into events ${sql(events)}`;
      await sql`insert into event_categories ${sql(events.map((e) => ({ event_id: e.id, category: 'tribune', price: 1000, capacity: 1_000_000, available: 1_000_000 })))}`;
      const everything = [...catalogue, ...[...new Set(CLUBS.map((c) => c.away.plan))].map((id): Item => ({ type: 'esim_plan', id }))];

      const random = generator(SEED);
      const fans = Array.from({ length: FANS }, () => {
        const club = pickClub(random);
        return { id: randomUUID(), club: club.id, bought: plant(random, club, everything) };
      });
      const history = fans.map((f) => f.bought.slice(0, -1));
      const hidden = fans.map((f) => keyOf(f.bought[f.bought.length - 1]!));

      // History: each purchase a day after the one before, the last one (hidden) never written.
      const tag = randomBytes(4).toString('hex');
      await sql`insert into users ${sql(fans.map((f, i) => ({ id: f.id, email: `bench.${tag}.${i}@example.test`, password: '', name: `Fan ${i}`, club_id: f.club })))}`;
      const at = (i: number, n: number) => new Date(Date.now() - (n - i) * 86_400_000);
      const rows = fans.flatMap((f, i) => history[i]!.map((item, j) => ({ fan: f.id, item, at: at(j, history[i]!.length) })));
      const orders = rows.filter((r) => r.item.type === 'product').map((r) => ({
        user_id: r.fan, items: sql.json([{ product_id: r.item.id, name: r.item.id, unit_price: 1000, quantity: 1 }]), total: 1000, status: 'paid', created_at: r.at,
      }));
      const tickets = rows.filter((r) => r.item.type === 'event').map((r) => ({ user_id: r.fan, event_id: r.item.id, category: 'tribune', price: 1000, created_at: r.at }));
      const esims = rows.filter((r) => r.item.type === 'esim_plan').map((r) => ({
        user_id: r.fan, plan_id: r.item.id, activated_at: r.at, expires_at: new Date(r.at.getTime() + 7 * 86_400_000), data_total: 5120, qr_code: 'bench',
      }));
      for (let i = 0; i < orders.length; i += 5000) await sql`insert into orders ${sql(orders.slice(i, i + 5000))}`;
      for (let i = 0; i < tickets.length; i += 5000) await sql`insert into tickets ${sql(tickets.slice(i, i + 5000))}`;
      if (esims.length) await sql`insert into esim_active ${sql(esims)}`;
      await sql`analyze`;

      const baseline = popularity(history);
      const theirs = fans.map((_, i) => baseline(history[i]!));
      const ours: string[][] = new Array(FANS);
      const took: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          for (let i = next++; i < FANS; i = next++) {
            const began = performance.now();
            ours[i] = (await recommendationsFor(fans[i]!.id, TOP)).map((r) => keyOf({ type: r.type, id: r.item }));
            took.push(performance.now() - began);
          }
        }),
      );
      took.sort((a, b) => a - b);

      const us = score(ours, hidden);
      const them = score(theirs, hidden);
      const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
      console.log(
        [
          '',
          `recommendations: ${FANS} fans (seed ${SEED}), ${rows.length} purchases of history, each fan's last one hidden`,
          'method        hit-rate@5  precision@5',
          `recommender   ${pct(us.hitRate).padStart(10)}  ${pct(us.precision).padStart(11)}`,
          `popularity    ${pct(them.hitRate).padStart(10)}  ${pct(them.precision).padStart(11)}`,
          `ratio         ${(us.hitRate / them.hitRate).toFixed(2).padStart(10)}  ${(us.precision / them.precision).toFixed(2).padStart(11)}`,
          `time per fan's list, uncached (${WORKERS} at a time): p50 ${percentile(took, 0.5).toFixed(1)} ms, p95 ${percentile(took, 0.95).toFixed(1)} ms`,
        ].join('\n'),
      );
      return [
        { figure: 'recommendations hit-rate@5', measured: `${pct(us.hitRate)} (× ${(us.hitRate / them.hitRate).toFixed(2)})`, baseline: `${pct(them.hitRate)} popularity`, target: 'above baseline', met: us.hitRate > them.hitRate },
        { figure: 'recommendations precision@5', measured: `${pct(us.precision)} (× ${(us.precision / them.precision).toFixed(2)})`, baseline: `${pct(them.precision)} popularity`, target: 'above baseline', met: us.precision > them.precision },
      ];
    } finally {
      await closeDb();
    }
  } finally {
    await scratch.stop();
  }
};
