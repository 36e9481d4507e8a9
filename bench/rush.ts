/**
 * `npm run bench -- rush [--fans N]`: an on-sale rush in the Lambda model
 * (bench/README.md says what each figure is and how it is measured).
 *
 * - The queue and purchase handlers (functions/tickets/queue-join.ts,
 *   queue-poll.ts, purchase.ts), bundled with serverless.yml's esbuild
 *   settings, run as Lambda runs them (bench/lambda.ts): per function up to
 *   CONTAINERS concurrent containers, each a worker thread with its own
 *   module state and postgres.js pool serving one request at a time, cold
 *   starts in the requests' times; a request finding none free is throttled.
 * - Postgres is reached as deployed: through PgBouncer in transaction mode
 *   (bench/pgbouncer.ts, POOL_SIZE server connections), the stand-in for RDS
 *   Proxy, with PG_POOLER=transaction; each function's containers through a
 *   counting proxy of their own (test/support/pg-proxy.ts), for the round
 *   trips per call.
 * - The crowd: N funded fans made in bulk SQL (users, wallets, and their
 *   money posted by ledger_post in balanced transfers), and a match of N/5
 *   seats in 4 categories. With the waiting room, 60 % join before the
 *   sale opens, 40 % over the minute after; each looks again as Retry-After
 *   says, buys 1–4 seats of a random category with its pass once admitted,
 *   retries with the same Idempotency-Key on 503/429/502 and throttles, and
 *   stops on 201/409/422. Then the same crowd without the waiting room, on a
 *   match whose categories are one row each, buying as the sale opens.
 *   A crowd of SMALL_CROWD fans does both again, for the rate the sale
 *   keeps as the crowd grows a hundredfold.
 * - `admit_per_minute` is calibrated first: the purchases and the queue
 *   calls a second this machine serves alone through the same model, and
 *   docs/capacity.md's arithmetic for the crowd's looks (section 3.2) over
 *   the sale's length (`plan`), so that the sale is planned to take
 *   CPU_TARGET of the machine.
 * - Checked in Postgres after each sale: tickets against seats, fans
 *   charged twice, fans refused yet charged; at the end, the whole ledger.
 *   Beside each big sale, the same fans buying the same seats as the old
 *   flow's plain SQL (bench/wallet.ts) on one row per category.
 * - Sampled throughout: Postgres connections of the scratch database, and a
 *   fresh connection of an outside client every PROBE_MS; where the CPU went.
 *
 * The throttle, the 502 of a timed-out function and the clients' back-off
 * are models of API Gateway, Lambda and an app; the CPU is this machine's,
 * shared by all of it. Prints figures, asserts nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import postgres from 'postgres';
import { startScratch } from '../scripts/local-services';
import { startPgProxy, type PgProxy, type RoundTrips } from '../test/support/pg-proxy';
import type { Answer, Call } from '../test/support/http';
import { esbuildOptions, readService } from './bundles';
import { LambdaFunction, type Invocation } from './lambda';
import { drive, left, machineCpuMs, num, percentile, right, useScratch } from './measure';
import { findPgBouncer, startPgBouncer, type PgBouncer } from './pgbouncer';
import { startBridgeProcess, type BridgeProcess } from './redis-bridge-process';
import type { Figure } from './summary';
import { plainTicketPurchase } from './wallet';

/** The largest crowd whose whole bench runs within 5 minutes on this 2-core machine (about 4). */
const DEFAULT_FANS = 50_000;
const SMALL_CROWD = 500;
const FANS_PER_SEAT = 5;
const EARLY_SHARE = 0.6;
const LATE_MS = 60_000;
const CATEGORIES = [
  { category: 'virage', price: 2000 },
  { category: 'tribune', price: 3500 },
  { category: 'honneur', price: 6000 },
  { category: 'loge', price: 9000 },
];
/** Each fan's money: enough for four sales and two plain ones at the dearest seats (216,000), and a few purchases in the calibration. */
const FUNDING = 500_000;
const FUNDING_BATCH = 500;
/** serverless.yml reserves 300 containers for each queue function and 100 for the purchase: a fifteenth of each here, on 2 cores. */
const CONTAINERS = { join: 20, poll: 20, purchase: 7 } as const;
/** As deployed (serverless.yml): each container's pool to the pooler. */
const PG_POOL_MAX = 2;
const POOL_SIZE = 20;
const CALIBRATE_SECONDS = 3;
/** The share of the machine the sale is planned to use, as docs/capacity.md plans 80 % of Upstash's rate. */
const CPU_TARGET = 0.8;
/** The share of the machine the joins before the opening are planned to take: the window before it is sized to fit them. */
const JOIN_SHARE = CPU_TARGET;
const MIN_PRESALE_MS = 3000;
/** A fan's app looks again up to this much after Retry-After (its own timer and network). */
const LOOK_JITTER_MS = 500;
/** How long a sale may run after its opening before it is stopped short. */
const SALE_LIMIT_MS = 150_000;
const SAMPLE_MS = 100;
const PROBE_MS = 500;
const BENCH_APP = 'rush-bench';
const ROOM_PLACES = 1e9; // lib/tickets/queue.ts: places at or above it were taken after the opening
/** A fan buys 1 to 4 seats: a sale of `seats` takes seats / 2.5 admissions. */
const MEAN_QUANTITY = 2.5;
/**
 * Looks a second while a sale of `seconds` runs, per fan admitted a second,
 * as lib/tickets/queue.ts paces them (Retry-After half the wait, 2 s at
 * least): docs/capacity.md section 3.2's (1/f)·ln(Rmax/Rmin) with f = 1/2
 * and Rmin = 2 s, summed over this sale rather than a room open for hours.
 * No fan waits longer than the sale for a look it makes during it (Rmax is
 * the sale's length), and the fans further back, whose wait is longer,
 * look about once during it (+1); the document's N/Rmax is that +1 of a
 * room open far longer than its sale.
 */
const looksPerAdmission = (seconds: number) => 2 * Math.log(Math.max(seconds, 4) / 2) + 1;

/**
 * The admission rate (fans a second) at which the sale is planned to take
 * CPU_TARGET of the machine, given what it serves alone: P purchases or Q
 * queue calls a second. Each admitted fan buys once; the looks follow
 * looksPerAdmission over the sale's length, which follows from the rate
 * (found by iterating); the joins of the fans who come after the opening
 * spread over the sale, or over their minute if the sale is shorter.
 */
const plan = (P: number, Q: number, admissions: number, lateFans: number) => {
  let a = 1;
  let seconds = admissions;
  for (let i = 0; i < 50; i++) {
    seconds = admissions / a;
    const joins = lateFans / Math.max(seconds, LATE_MS / 1000);
    a = Math.max(1, (CPU_TARGET - joins / Q) / (1 / P + looksPerAdmission(seconds) / Q));
  }
  return { admitPerSecond: a, seconds, looks: a * looksPerAdmission(seconds) };
};

type Fn = keyof typeof CONTAINERS;
type Member = { id: string; wallet: string };
type Functions = Record<Fn, LambdaFunction>;

/** What one fan did (performance.now() times). */
type Trace = {
  outcome: 'absent' | 'waiting' | 'trying' | 'bought' | 'refused' | 'heard sold out' | 'broken';
  firstSent?: number;
  firstAnswered?: number;
  /** The join the room accepted: when it was sent and answered. */
  joinSent?: number;
  joinAnswered?: number;
  boughtAt?: number;
  ended?: number;
  bought: number;
  triedToBuy: boolean;
};

type SaleSpec = {
  label: string;
  crowd: Member[];
  room: boolean;
  /** Fans of the crowd who come before the opening (the rest come over the minute after). */
  early: number;
  seats: number;
  admitPerMinute: number | null;
  preSaleMs: number;
};

type Cpu = { containers: Record<Fn, number>; mainThread: number; process: number; bridge: number; pooler: number; machine: number };

type Sale = {
  spec: SaleSpec;
  event: string;
  seconds: number;
  stoppedShort: boolean;
  /** From the opening to the last ticket sold (whether or not that sold the match out), and whether it did. */
  lastSaleSeconds?: number;
  soldOut: boolean;
  /** When the room first answered "sold out" (after the opening). */
  closedSeconds?: number;
  /** Each purchase's time and tickets, in order. */
  sales: Array<{ at: number; tickets: number }>;
  answers: Map<string, number>;
  calls: number;
  /** Looks (polls) a second after the opening. */
  looksPerSecond: number;
  unavailableWithoutRetryAfter: number;
  /** Sorted, of the calls a container served: all, and those that found a warm one. */
  latencies: Record<'queue' | 'purchase', { all: number[]; warm: number[] }>;
  inits: number[];
  /** Fans who got their turn ahead of one who came before them: by the fans' first tries, and by the joins the room accepted. */
  fairness: { out: number; of: number };
  roomOrder?: { out: number; of: number };
  connections: { held: number; running: number };
  probes: { ok: number; failed: number; slowestMs: number };
  /** Per function: Postgres round trips counted on its proxy, calls its containers served, and calls throttled. */
  trips: Record<Fn, { messages: number; served: number; throttled: number }>;
  cpu: Cpu;
  books: Books;
  soldInAnswers: number;
  outcomes: Map<Trace['outcome'], number>;
  broken?: string;
};

type Books = { tickets: number; left: number; oversold: number; chargedTwice: number; refusedCharged: number };
type Plain = { tickets: number; seconds: number; perSecond: number; left: number };

const arg = (name: string) => {
  const args = process.argv.slice(3);
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The three functions as serverless-esbuild bundles them, and the container runtime, in a folder under node_modules (their externals resolve there). */
const bundle = async (out: string): Promise<{ runtime: string; bundles: Record<Fn, string> }> => {
  const service = readService();
  const handlers: Record<Fn, string> = { join: 'functions/tickets/queue-join', poll: 'functions/tickets/queue-poll', purchase: 'functions/tickets/purchase' };
  await build({ ...(await esbuildOptions(service.esbuild)), entryPoints: Object.values(handlers).map((h) => join(root, `${h}.ts`)), outdir: out, outbase: root, logLevel: 'error' });
  await build({ entryPoints: [join(root, 'bench/rush-container.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outdir: out, outExtension: { '.js': '.mjs' }, logLevel: 'error' });
  const bundles = Object.fromEntries(Object.entries(handlers).map(([fn, h]) => [fn, join(out, `${h}.mjs`)])) as Record<Fn, string>;
  return { runtime: join(out, 'rush-container.mjs'), bundles };
};

/**
 * `count` fans with wallets, each funded with FUNDING through ledger_post:
 * one balanced transfer per FUNDING_BATCH fans from a card-funding shard
 * (a transfer of thousands of legs would make its deferred zero-sum check,
 * run once per entry, quadratic).
 */
const createCrowd = async (sql: postgres.Sql, count: number): Promise<Member[]> => {
  const tag = randomBytes(4).toString('hex');
  const crowd = await sql<Member[]>`
    with fans as (
      insert into users (email, password, name)
      select 'rush.' || ${tag} || '.' || i || '@example.test', '!', 'Rush fan ' || i from generate_series(1, ${count}::int) i
      returning id
    )
    insert into wallets (user_id) select id from fans returning user_id as id, id as wallet`;
  for (let i = 0; i < crowd.length; i += FUNDING_BATCH) {
    const batch = crowd.slice(i, i + FUNDING_BATCH);
    await sql`
      select ledger_post('deposit',
        jsonb_build_array(jsonb_build_object('wallet_id', f.id, 'type', 'funding', 'amount', ${-FUNDING * batch.length}::bigint))
        || (select jsonb_agg(jsonb_build_object('wallet_id', x.wallet, 'user_id', x.fan, 'type', 'deposit', 'amount', ${FUNDING}::bigint,
                                                'counterparty_wallet_id', f.id, 'metadata', '{"method": "card"}'::jsonb))
            from unnest(${batch.map((m) => m.wallet)}::uuid[], ${batch.map((m) => m.id)}::uuid[]) as x (wallet, fan)))
      from wallets f where f.system = 'card_funding' and f.shard = ${(i / FUNDING_BATCH) % 16}`;
  }
  return [...crowd];
};

/** A match of `seats` in CATEGORIES' four equal parts, dealt in shards as the app deals them, or in one row each (`single`). */
const newMatch = async (sql: postgres.Sql, label: string, seats: number, sale: { opensAt: Date; room: boolean; admitPerMinute: number | null; single: boolean; maxPerFan?: number }) => {
  const id = `rush-${label}-${randomBytes(4).toString('hex')}`;
  await sql`
    insert into events (id, title, club, date, venue, competition, price_from, on_sale_at, waiting_room, admit_per_minute, max_per_fan)
    values (${id}, 'OGC Nice vs Rush FC', 'OGC_NICE', now() + interval '30 days', 'Allianz Riviera', 'Rush Cup', ${CATEGORIES[0]!.price},
            ${sale.opensAt}, ${sale.room}, ${sale.admitPerMinute}, ${sale.maxPerFan ?? 6})`;
  const each = Math.floor(seats / CATEGORIES.length);
  await sql`insert into event_categories ${sql(CATEGORIES.map((c) => ({ event_id: id, category: c.category, price: c.price, capacity: each, available: each })))}`;
  if (sale.single) {
    await sql`delete from seat_shards where event_id = ${id} and shard > 0`;
    await sql`update seat_shards s set available = c.available from event_categories c where c.event_id = s.event_id and c.category = s.category and s.event_id = ${id}`;
  }
  return id;
};

const intentOf = () => ({ category: CATEGORIES[Math.floor(Math.random() * CATEGORIES.length)]!.category, quantity: 1 + Math.floor(Math.random() * 4) });

/** Answers worth retrying, with the same Idempotency-Key: a busy row or limit, the service unavailable, a failed function, a throttle, a duplicate still running. */
const retryable = (answer: Answer) =>
  [429, 502, 503].includes(answer.status) || (answer.status === 409 && answer.body?.type === '/problems/idempotency-in-flight');

/** As Retry-After says, plus jitter; without one (a throttle, a failed function), 1–2 s doubling up to 30 s (docs/capacity.md, section 4.2). */
const backOff = (answer: Answer, attempt: number) => {
  const after = Number(answer.headers['retry-after']);
  if (after > 0) return after * 1000 * (1 + Math.random() / 2);
  return Math.min(30_000, 1000 * 2 ** attempt * (1 + Math.random()));
};

/**
 * Of the fans `counted`, how many got their turn ahead of a fan whose first
 * request had been answered before theirs was even sent, and who was still
 * waiting for a turn then. `turn` orders the turns (a place in the room, or
 * the time of a purchase; for a fan who got none, when it stopped).
 */
const overtakers = (fans: Array<{ sent: number; answered: number; turn: number; counted: boolean }>) => {
  const byAnswer = [...fans].sort((a, b) => a.answered - b.answered);
  const counted = fans.filter((f) => f.counted).sort((a, b) => a.sent - b.sent);
  let j = 0;
  let latest = -Infinity;
  let out = 0;
  for (const fan of counted) {
    while (j < byAnswer.length && byAnswer[j]!.answered < fan.sent) latest = Math.max(latest, byAnswer[j++]!.turn);
    if (latest > fan.turn) out++;
  }
  return { out, of: counted.length };
};

/** Tickets a second between the sales that reach 10 % and 90 % of the tickets sold: the rate a sale keeps, without its start and its tail. */
const steadyRate = (sales: Array<{ at: number; tickets: number }>) => {
  const total = sales.reduce((sum, s) => sum + s.tickets, 0);
  let sold = 0;
  let from: number | undefined;
  let to: number | undefined;
  for (const sale of sales) {
    sold += sale.tickets;
    if (from === undefined && sold >= total * 0.1) from = sale.at;
    if (to === undefined && sold >= total * 0.9) to = sale.at;
  }
  return from !== undefined && to !== undefined && to > from ? (total * 0.8 * 1000) / (to - from) : NaN;
};

type Calibrated = { perSecond: number; cpuMs: number; p50: number };
type Findings = {
  fans: number;
  seats: number;
  /** The big crowd with and without the room, then the small one likewise. */
  sales: Sale[];
  /** The plain SQL sell-out beside each big sale. */
  plains: Plain[];
  calibration: { purchases: Calibrated; queueCalls: Calibrated };
  admitPerMinute: number;
  planned: ReturnType<typeof plan>;
  ledger: { zeroSum: boolean; walletsOff: number };
  crowdSeconds: number;
  calibrationSeconds: number;
  benchSeconds: number;
  describe: string;
};

const BUDGET_SECONDS = 300;
const GOAL_FANS = 50_000;

const pct = (part: number, whole: number, digits = 1) => (whole > 0 ? `${((100 * part) / whole).toFixed(digits)} %` : '–');
const ms = (sorted: number[]) => (sorted.length ? `${percentile(sorted, 0.5).toFixed(0)} / ${percentile(sorted, 0.99).toFixed(0)}` : '–');
const p99 = (sorted: number[]) => percentile(sorted, 0.99);
/** Tickets a second from the opening to the last sale. */
const saleRate = (sale: Sale) => (sale.lastSaleSeconds ? sale.books.tickets / sale.lastSaleSeconds : NaN);
const unavailable = (sale: Sale) => sale.answers.get('503') ?? 0;
const timeouts = (sale: Sale) => sale.answers.get('timeout') ?? 0;
const fnsOf = (sale: Sale) => Object.keys(sale.trips) as Fn[];

/** Prints the table and returns the figures against their goals. */
const report = (f: Findings): Figure[] => {
  const [room, base, roomSmall, baseSmall] = f.sales as [Sale, Sale, Sale, Sale];
  const cores = availableParallelism();
  const cpuRows = (sale: Sale): string[] => {
    const c = sale.cpu;
    const containers = Object.values(c.containers).reduce((a, b) => a + b, 0);
    const share = (v: number) => pct(v, sale.seconds * cores * 1000, 0);
    return [
      `${share(c.machine)} busy`,
      fnsOf(sale).map((fn) => share(c.containers[fn])).join(' / '),
      share(c.mainThread),
      share(c.process - containers - c.mainThread),
      share(c.bridge),
      share(c.pooler),
      share(c.machine - c.process - c.bridge - c.pooler),
      fnsOf(sale).map((fn) => (sale.trips[fn].served ? (c.containers[fn] / sale.trips[fn].served).toFixed(1) : '–')).join(' / '),
    ];
  };
  const answersOf = (sale: Sale) =>
    [...sale.answers].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `${label} ${n}`).join(', ');
  const outcomesOf = (sale: Sale) =>
    [...sale.outcomes].filter(([, n]) => n > 0).map(([outcome, n]) => `${outcome} ${n}`).join(', ');
  const columns: Array<[string, (sale: Sale, plain?: Plain) => string]> = [
    ['fans (arrived)', (s) => `${s.spec.crowd.length} (${s.spec.crowd.length - (s.outcomes.get('absent') ?? 0)})`],
    ['seats, in 4 categories', (s) => `${s.spec.seats} in ${s.spec.room ? 'shards' : 'one row each'}`],
    ['waiting room, admit_per_minute', (s) => (s.spec.room ? String(s.spec.admitPerMinute) : 'none')],
    ['opening after (s)', (s) => (s.spec.preSaleMs / 1000).toFixed(1)],
    ['tickets sold (Postgres / in 201s)', (s) => `${s.books.tickets} / ${s.soldInAnswers}`],
    ['seats left', (s) => String(s.books.left)],
    ['oversold (goal 0)', (s) => String(s.books.oversold)],
    ['fans charged twice (goal 0)', (s) => String(s.books.chargedTwice)],
    ['refused fans charged (goal 0)', (s) => String(s.books.refusedCharged)],
    [
      'last sale after opening (s)',
      (s) =>
        `${num(s.lastSaleSeconds ?? NaN, 0, 1)}${s.soldOut ? ', sold out' : ''}${s.closedSeconds ? `; room said sold out at ${s.closedSeconds.toFixed(1)}` : ''}${s.stoppedShort ? '; stopped' : ''}`,
    ],
    ['tickets/s to the last sale', (s) => num(saleRate(s), 0, 1)],
    ['plain SQL sell-out, tickets/s (same run)', (_, p) => (p ? `${p.perSecond.toFixed(0)} (${p.tickets} in ${p.seconds.toFixed(1)} s, ${p.left} left)` : '')],
    ['  API / plain (goal ≥ 1.0)', (s, p) => (p ? num(saleRate(s) / p.perSecond, 0, 2) : '')],
    ['tickets/s, 10–90 % of sales', (s) => num(steadyRate(s.sales), 0, 1)],
    ['purchase p50 / p99 ms (goal p99 < 1000)', (s) => ms(s.latencies.purchase.all)],
    ['  warm containers only', (s) => ms(s.latencies.purchase.warm)],
    ['queue call p50 / p99 ms (goal p99 < 200)', (s) => ms(s.latencies.queue.all)],
    ['  warm containers only', (s) => ms(s.latencies.queue.warm)],
    ['cold starts (init p50 ms)', (s) => `${s.inits.length} (${num(percentile(s.inits, 0.5), 0)})`],
    ['calls', (s) => String(s.calls)],
    ['throttled: join / poll / purchase', (s) => fnsOf(s).map((fn) => String(s.trips[fn].throttled)).join(' / ')],
    ['timeouts (goal 0)', (s) => String(timeouts(s))],
    ['503s (goal ≤ 1 %), without Retry-After', (s) => `${pct(unavailable(s), s.calls, 2)}, ${s.unavailableWithoutRetryAfter}`],
    ['out of order, by first try (goal ≤ 1 %)', (s) => `${pct(s.fairness.out, s.fairness.of)} of ${s.fairness.of}`],
    ['  by the join the room accepted', (s) => (s.roomOrder ? `${pct(s.roomOrder.out, s.roomOrder.of)} of ${s.roomOrder.of}` : '')],
    [`most Postgres connections, held / running (pool ${POOL_SIZE})`, (s) => `${s.connections.held} / ${s.connections.running}`],
    ['outside client: connected / failed (slowest ms)', (s) => `${s.probes.ok} / ${s.probes.failed} (${s.probes.slowestMs.toFixed(0)})`],
    ['round trips per call, join / poll / purchase', (s) => fnsOf(s).map((fn) => (s.trips[fn].served ? (s.trips[fn].messages / s.trips[fn].served).toFixed(2) : '–')).join(' / ')],
    ['sale (s)', (s) => s.seconds.toFixed(1)],
  ];
  const cpuLabels = [
    'CPU of the machine',
    '  containers: join / poll / purchase',
    '  bench main thread (fans, dispatch, proxies)',
    '  rest of the bench process (GC, I/O threads)',
    '  Redis bridge process',
    '  pgbouncer',
    '  rest: Postgres, Redis, others',
    'container CPU ms per call, join / poll / purchase',
  ];
  const heads = [`room, ${f.fans}`, `no room, ${f.fans}`, `room, ${SMALL_CROWD}`, `no room, ${SMALL_CROWD}`];
  const cells = [
    ...columns.map(([label, cell]) => [label, cell(room, f.plains[0]), cell(base, f.plains[1]), cell(roomSmall), cell(baseSmall)]),
    ...cpuLabels.map((label, k) => [label, ...f.sales.map((s) => cpuRows(s)[k]!)]),
    ['answers by status', ...f.sales.map(answersOf)],
    ['fans at the end', ...f.sales.map(outcomesOf)],
  ];
  const widths = [Math.max(...cells.map((r) => r[0]!.length)), ...heads.map((h, i) => Math.max(h.length, ...cells.filter((r) => r[0] !== 'answers by status' && r[0] !== 'fans at the end').map((r) => r[i + 1]!.length)))];
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? left(cell, widths[0]!) : right(cell, widths[i]!))).join('  ').trimEnd();
  const { purchases: P, queueCalls: Q } = f.calibration;
  console.log(
    [
      '',
      `on-sale rush in the Lambda model — ${f.describe}`,
      `Node ${process.versions.node}, ${cores} CPUs; containers per function: join ${CONTAINERS.join}, poll ${CONTAINERS.poll}, purchase ${CONTAINERS.purchase} (throttled beyond), ${PG_POOL_MAX} connections each`,
      `crowd of ${f.fans} funded fans made in ${f.crowdSeconds.toFixed(1)} s; calibration ${f.calibrationSeconds.toFixed(1)} s: alone, ${P.perSecond.toFixed(0)} purchases/s (${P.cpuMs.toFixed(1)} ms of machine CPU each, p50 ${P.p50.toFixed(0)} ms), ${Q.perSecond.toFixed(0)} queue calls/s (${Q.cpuMs.toFixed(1)} ms each, p50 ${Q.p50.toFixed(0)} ms)`,
      `admit_per_minute ${f.admitPerMinute} (a = ${f.planned.admitPerSecond.toFixed(1)}/s): a/P + (looks + late joins)/Q = ${CPU_TARGET}, looks = a·(2·ln(T/2) + 1) over a sale of T s (docs/capacity.md 3.2);`,
      `  planned: a sale of ${f.planned.seconds.toFixed(0)} s, ${f.planned.looks.toFixed(0)} looks/s, ${pct(CPU_TARGET, 1, 0)} of the machine; measured in the room: ${room.looksPerSecond.toFixed(0)} looks/s after the opening, ${pct(room.cpu.machine, room.seconds * cores * 1000, 0)} of the machine over the whole sale`,
      '',
      line(['', ...heads]),
      ...cells.slice(0, -2).map(line),
      ...cells.slice(-2).map((r) => [`${r[0]}:`, ...heads.map((h, i) => `  ${h}: ${r[i + 1]}`)].join('\n')),
      ...f.sales.filter((s) => s.broken).map((s) => `unexpected answer in ${s.spec.label}: ${s.broken}`),
      `ledger after all sales: entries sum to zero: ${f.ledger.zeroSum ? 'yes' : 'NO'}; fans' balances off their entries: ${f.ledger.walletsOff}`,
      `whole bench ${f.benchSeconds.toFixed(0)} s (budget ${BUDGET_SECONDS} s)`,
    ].join('\n'),
  );

  const both = (value: (s: Sale) => number) => value(room) === 0 && value(base) === 0;
  const of = (s: Sale) => `${s.spec.crowd.length} fans`;
  const roomRatio = saleRate(room) / f.plains[0]!.perSecond;
  const baseRatio = saleRate(base) / f.plains[1]!.perSecond;
  const collapse = (big: Sale, little: Sale) => steadyRate(big.sales) / steadyRate(little.sales);
  const fair = (s: Sale) => (s.fairness.of ? s.fairness.out / s.fairness.of : 0);
  const within = (s: Sale) => s.probes.failed === 0;
  return [
    { figure: 'rush: seats oversold', measured: `${room.books.oversold} (${of(room)}, room)`, baseline: `${base.books.oversold} (no room, one row)`, target: '0', met: both((s) => s.books.oversold) },
    { figure: 'rush: fans charged twice', measured: String(room.books.chargedTwice), baseline: String(base.books.chargedTwice), target: '0', met: both((s) => s.books.chargedTwice) },
    { figure: 'rush: refused fans charged', measured: String(room.books.refusedCharged), baseline: String(base.books.refusedCharged), target: '0', met: both((s) => s.books.refusedCharged) },
    {
      figure: 'rush: tickets/s to the last sale, × plain SQL sell-out',
      measured: `${num(roomRatio, 0, 2)} (${num(saleRate(room), 0, 0)}/s, ${room.soldOut ? 'sold out' : `${room.books.left} seats left`} at ${num(room.lastSaleSeconds ?? NaN, 0, 0)} s)`,
      baseline: `${num(baseRatio, 0, 2)} without room (${num(saleRate(base), 0, 0)}/s); plain ${f.plains[0]!.perSecond.toFixed(0)}/s`,
      target: '≥ 1.0',
      met: roomRatio >= 1,
    },
    {
      figure: 'rush: purchase p50 / p99, cold starts in',
      measured: `${ms(room.latencies.purchase.all)} ms (warm ${ms(room.latencies.purchase.warm)})`,
      baseline: `${ms(base.latencies.purchase.all)} ms without room`,
      target: 'p99 < 1000 ms',
      met: p99(room.latencies.purchase.all) < 1000,
    },
    { figure: 'rush: queue call p50 / p99, cold starts in', measured: `${ms(room.latencies.queue.all)} ms (warm ${ms(room.latencies.queue.warm)})`, baseline: '', target: 'p99 < 200 ms', met: p99(room.latencies.queue.all) < 200 },
    { figure: 'rush: timeouts (10 s)', measured: String(timeouts(room)), baseline: `${timeouts(base)} without room`, target: '0', met: timeouts(room) === 0 },
    {
      figure: 'rush: 503s of calls, without Retry-After',
      measured: `${pct(unavailable(room), room.calls, 2)}, ${room.unavailableWithoutRetryAfter}`,
      baseline: `${pct(unavailable(base), base.calls, 2)}, ${base.unavailableWithoutRetryAfter} without room`,
      target: '≤ 1 %, 0',
      met: unavailable(room) <= room.calls / 100 && room.unavailableWithoutRetryAfter === 0,
    },
    {
      figure: 'rush: late fans out of order, by first try',
      measured: `${pct(room.fairness.out, room.fairness.of)} of ${room.fairness.of} placed (by accepted join ${pct(room.roomOrder!.out, room.roomOrder!.of)})`,
      baseline: `${pct(base.fairness.out, base.fairness.of)} of ${base.fairness.of} served, no room`,
      target: '≤ 1 %',
      met: fair(room) <= 0.01,
    },
    { figure: 'rush: most Postgres connections (held)', measured: String(room.connections.held), baseline: `${base.connections.held} without room`, target: `≤ ${POOL_SIZE} (the pool)`, met: room.connections.held <= POOL_SIZE && base.connections.held <= POOL_SIZE },
    { figure: 'rush: outside client connects throughout', measured: `${room.probes.failed} of ${room.probes.ok + room.probes.failed} failed`, baseline: `${base.probes.failed} failed without room`, target: 'every try', met: within(room) && within(base) },
    {
      figure: `rush: tickets/s at ${f.fans} ÷ at ${SMALL_CROWD} fans`,
      measured: num(collapse(room, roomSmall), 0, 2),
      baseline: `${num(collapse(base, baseSmall), 0, 2)} without room`,
      target: '≥ 0.9',
      met: collapse(room, roomSmall) >= 0.9,
    },
    {
      figure: 'rush: crowd run within 5 minutes',
      measured: `${f.fans} fans in ${f.benchSeconds.toFixed(0)} s`,
      baseline: '',
      target: `${GOAL_FANS} fans, ≤ ${BUDGET_SECONDS} s`,
      met: f.fans >= GOAL_FANS && f.benchSeconds <= BUDGET_SECONDS,
    },
  ];
};

export const main = async (): Promise<Figure[]> => {
  const binary = findPgBouncer();
  if (!binary) {
    console.error('rush: pgbouncer is not installed, and this bench runs the functions behind it (the stand-in for RDS Proxy).\n  apt-get install -y pgbouncer\nthen run it again.');
    process.exitCode = 1;
    return [];
  }
  const fans = Number(arg('--fans') ?? DEFAULT_FANS);
  if (!Number.isInteger(fans) || fans < SMALL_CROWD) throw new Error(`--fans takes a whole number of at least ${SMALL_CROWD}`);
  const benchStart = performance.now();
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const scratch = await startScratch('rush', { seed: true, redis: startBridgeProcess });
    cleanups.push(scratch.stop);
    await useScratch(scratch, POOL_SIZE);
    // Only now: the lib reads its settings on first use.
    const { invoke } = await import('../test/support/http');
    const { signAccessToken } = await import('../lib/auth/tokens');
    const { shardOf } = await import('../lib/wallet/ledger');
    const { redis } = await import('../lib/redis');

    const sql = postgres(scratch.databaseUrl, { max: POOL_SIZE, onnotice: () => {}, connection: { application_name: BENCH_APP } });
    cleanups.push(() => sql.end({ timeout: 5 }));
    const database = new URL(scratch.databaseUrl).pathname.slice(1);
    const [server] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;

    // Under node_modules, where the bundles' externals resolve; `npm ci` leaves no .cache there.
    await mkdir(join(root, 'node_modules', '.cache'), { recursive: true });
    const out = await mkdtemp(join(root, 'node_modules', '.cache', 'bench-rush-'));
    cleanups.push(() => rm(out, { recursive: true, force: true }));
    const { runtime, bundles } = await bundle(out);

    const maxClients = Object.values(CONTAINERS).reduce((a, b) => a + b, 0) * PG_POOL_MAX + 50;
    const pooler: PgBouncer = await startPgBouncer(binary, scratch.databaseUrl, POOL_SIZE, maxClients);
    cleanups.push(pooler.stop);
    const proxies = {} as Record<Fn, PgProxy>;
    for (const fn of Object.keys(CONTAINERS) as Fn[]) {
      proxies[fn] = await startPgProxy(pooler.url);
      cleanups.push(proxies[fn].close);
    }
    const bridge = scratch.redis as BridgeProcess;

    /** Fresh functions, every container cold: each sale starts as a new deploy would. */
    const deploy = (): Functions => {
      const made = {} as Functions;
      for (const fn of Object.keys(CONTAINERS) as Fn[]) {
        const env = { ...(process.env as Record<string, string>), DATABASE_URL: proxies[fn].url, PG_POOLER: 'transaction', PG_POOL_MAX: String(PG_POOL_MAX) };
        made[fn] = new LambdaFunction(fn, runtime, bundles[fn], env, CONTAINERS[fn]);
      }
      return made;
    };
    let running: Functions | undefined;
    cleanups.push(async () => running && (await Promise.all(Object.values(running).map((f) => f.stop()))));

    let began = performance.now();
    const crowd = await createCrowd(sql, fans);
    const crowdSeconds = (performance.now() - began) / 1000;
    const tokens = new Map<string, string>();
    /** Access tokens live 15 minutes: each sale signs its fans' afresh. */
    const sign = async (members: Member[]) => {
      for (let i = 0; i < members.length; i += 1000) {
        await Promise.all(members.slice(i, i + 1000).map(async (m) => tokens.set(m.id, await signAccessToken(m.id))));
      }
    };
    const ticketing = new Map((await sql<{ id: string; shard: number }[]>`select id, shard from wallets where system = 'ticketing'`).map((w) => [w.shard, w.id]));

    /** One request through API Gateway's event and the function's Lambda model. */
    const call = async (functions: Functions, fn: Fn, request: Call): Promise<Answer & Omit<Invocation, 'result'>> => {
      let invocation: Omit<Invocation, 'result'> = { kind: 'served', cold: false };
      const answer = await invoke(async (event: unknown) => {
        const { result, ...done } = await functions[fn].invoke(event);
        invocation = done;
        return result;
      }, request);
      return { ...answer, ...invocation };
    };
    const purchaseCall = (token: string, event_id: string, intent: { category: string; quantity: number }, key: string, pass?: string): Call => ({
      path: '/api/tickets/purchase',
      token,
      headers: { 'idempotency-key': key },
      body: { event_id, ...intent, ...(pass ? { pass } : {}) },
    });
    const queueCall = (token: string, event: string, join: boolean): Call => ({
      path: `/api/tickets/events/${event}/queue`,
      method: join ? 'POST' : 'GET',
      token,
      params: { id: event },
    });

    /** What the machine serves alone through the same model: purchases, then queue calls, a second; and the CPU each takes. */
    const calibrate = async () => {
      const sample = crowd.slice(0, 5000);
      await sign(sample);
      const pick = () => sample[Math.floor(Math.random() * sample.length)]!;
      const cpuPerCall = async (workers: number, op: (worker: number) => Promise<void>) => {
        await drive(workers, 1, op);
        const before = await machineCpuMs();
        const stats = await drive(workers, CALIBRATE_SECONDS, op);
        const cpu = ((await machineCpuMs()) ?? NaN) - (before ?? NaN);
        if (stats.errors > 0) throw new Error(`calibration: ${stats.errors} calls failed, first: ${stats.firstError}`);
        return { perSecond: stats.perSecond, cpuMs: cpu / stats.count, p50: stats.p50 };
      };
      running = deploy();
      const functions = running;
      // Its fans buy again and again: no limit of the sale's 6 tickets a fan.
      const shop = await newMatch(sql, 'calibration', 1_000_000, { opensAt: new Date(Date.now() - 1000), room: false, admitPerMinute: null, single: false, maxPerFan: 100 });
      const purchases = await cpuPerCall(CONTAINERS.purchase, async () => {
        const bought = await call(functions, 'purchase', purchaseCall(tokens.get(pick().id)!, shop, intentOf(), randomUUID()));
        if (bought.status !== 201) throw new Error(`purchase answered ${bought.status} ${bought.raw}`);
      });
      const room = await newMatch(sql, 'calibration-room', 1000, { opensAt: new Date(Date.now() + 3_600_000), room: true, admitPerMinute: 60, single: false });
      const joined: Member[] = [];
      // As many loops as containers: the join function's join random fans, the poll function's look for fans already in.
      const queueCalls = await cpuPerCall(CONTAINERS.join + CONTAINERS.poll, async (worker) => {
        const joining = worker < CONTAINERS.join;
        // Only in the warm-up: nobody is in the room yet.
        if (!joining && joined.length === 0) return void (await sleep(10));
        const fan = joining ? pick() : joined[Math.floor(Math.random() * joined.length)]!;
        const answer = await call(functions, joining ? 'join' : 'poll', queueCall(tokens.get(fan.id)!, room, joining));
        if (answer.status !== 200) throw new Error(`queue call answered ${answer.status} ${answer.raw}`);
        if (joining) joined.push(fan);
      });
      await Promise.all(Object.values(functions).map((f) => f.stop()));
      running = undefined;
      return { purchases, queueCalls };
    };

    /** Busy CPU per process, to be split once a sale is over. */
    const cpuNow = async (functions: Functions): Promise<Cpu> => {
      const containers = {} as Record<Fn, number>;
      for (const fn of Object.keys(functions) as Fn[]) containers[fn] = await functions[fn].cpuMs();
      const thread = process.threadCpuUsage();
      const all = process.cpuUsage();
      return {
        containers,
        mainThread: (thread.user + thread.system) / 1000,
        process: (all.user + all.system) / 1000,
        bridge: await bridge.cpuMs(),
        pooler: await pooler.cpuMs(),
        machine: (await machineCpuMs()) ?? NaN,
      };
    };

    /** Until `stop`: the most connections of the scratch database not the bench's own (the pooler's), and an outside client connecting every PROBE_MS. */
    const watch = () => {
      const seen = { held: 0, running: 0 };
      const probes = { ok: 0, failed: 0, slowestMs: 0 };
      let on = true;
      const sampling = (async () => {
        while (on) {
          const [now] = await sql<{ held: number; running: number }[]>`
            select count(*)::int as held, count(*) filter (where state <> 'idle')::int as running
            from pg_stat_activity
            where datname = ${database} and backend_type = 'client backend' and application_name not like ${`${BENCH_APP}%`}`;
          seen.held = Math.max(seen.held, now!.held);
          seen.running = Math.max(seen.running, now!.running);
          await sleep(SAMPLE_MS);
        }
      })();
      const probing = (async () => {
        while (on) {
          const t = performance.now();
          const outsider = postgres(scratch.databaseUrl, { max: 1, connect_timeout: 2, onnotice: () => {}, connection: { application_name: `${BENCH_APP}-outsider` } });
          try {
            await outsider`select 1`;
            probes.ok++;
            probes.slowestMs = Math.max(probes.slowestMs, performance.now() - t);
          } catch {
            probes.failed++;
          } finally {
            await outsider.end({ timeout: 1 }).catch(() => {});
          }
          await sleep(PROBE_MS);
        }
      })();
      return async () => {
        on = false;
        await Promise.all([sampling, probing]);
        return { connections: seen, probes };
      };
    };

    const books = async (event: string, refused: string[]): Promise<Books> => {
      const [found] = await sql<Books[]>`
        select
          (select count(*)::int from tickets where event_id = ${event}) as tickets,
          (select coalesce(sum(available), 0)::int from seat_shards where event_id = ${event}) as left,
          (select coalesce(sum(greatest(0, (select count(*) from tickets t where t.event_id = c.event_id and t.category = c.category) - c.capacity)), 0)::int
             from event_categories c where c.event_id = ${event}) as oversold,
          (select count(*)::int from (
             select user_id from transactions where type = 'purchase' and metadata ->> 'event_id' = ${event} group by user_id having count(*) > 1) twice) as "chargedTwice",
          (select count(distinct user_id)::int from transactions
             where type = 'purchase' and metadata ->> 'event_id' = ${event} and user_id = any(${refused}::uuid[])) as "refusedCharged"`;
      return found!;
    };

    const runSale = async (spec: SaleSpec): Promise<Sale> => {
      await sign(spec.crowd);
      const intents = spec.crowd.map(intentOf);
      // Early fans come before the opening to the room, or without one press "buy" within its first second; the rest over the minute after.
      const arrivals = spec.crowd.map((_, i) =>
        i < spec.early ? (spec.room ? Math.random() * spec.preSaleMs : spec.preSaleMs + Math.random() * 1000) : spec.preSaleMs + Math.random() * LATE_MS,
      );
      const lead = 500;
      const opensAt = new Date(Date.now() + lead + spec.preSaleMs);
      const event = await newMatch(sql, spec.label, spec.seats, { opensAt, room: spec.room, admitPerMinute: spec.admitPerMinute, single: !spec.room });
      running = deploy();
      const functions = running;
      const start = performance.now() + lead;
      const opening = start + spec.preSaleMs;
      const traces: Trace[] = spec.crowd.map(() => ({ outcome: 'absent', bought: 0, triedToBuy: false }));
      const answers = new Map<string, number>();
      const latencies = { queue: { all: [] as number[], warm: [] as number[] }, purchase: { all: [] as number[], warm: [] as number[] } };
      const sales: Array<{ at: number; tickets: number }> = [];
      let calls = 0;
      let looksAfterOpening = 0;
      let unavailableWithoutRetryAfter = 0;
      let sold = 0;
      // Fans between their admission and their purchase's last answer; and when the room first said "sold out".
      let buyers = 0;
      let closedAt: number | undefined;
      let finished = 0;
      let broken: string | undefined;
      // Every fan sleeps between its calls; the sale's end wakes them all. (An AbortSignal would keep one listener per sleeper, added and removed in linear time each.)
      let over = false;
      const sleepers = new Set<() => void>();
      const pause = (ms: number) =>
        new Promise<boolean>((resolve) => {
          if (over) return resolve(false);
          const wake = () => {
            clearTimeout(timer);
            sleepers.delete(wake);
            resolve(false);
          };
          const timer = setTimeout(() => {
            sleepers.delete(wake);
            resolve(true);
          }, Math.max(0, ms));
          sleepers.add(wake);
        });

      const send = async (trace: Trace, fn: Fn, request: Call) => {
        const sent = performance.now();
        trace.firstSent ??= sent;
        const answer = await call(functions, fn, request);
        const answered = performance.now();
        trace.firstAnswered ??= answered;
        calls++;
        if (fn === 'poll' && sent >= opening) looksAfterOpening++;
        const label = answer.kind === 'served' ? String(answer.status) : answer.kind;
        answers.set(label, (answers.get(label) ?? 0) + 1);
        if (answer.kind === 'served') {
          const kept = latencies[fn === 'purchase' ? 'purchase' : 'queue'];
          kept.all.push(answered - sent);
          if (!answer.cold) kept.warm.push(answered - sent);
        }
        if (fn === 'join' && answer.status === 200) Object.assign(trace, { joinSent: sent, joinAnswered: answered });
        if (answer.status === 503 && !answer.headers['retry-after']) unavailableWithoutRetryAfter++;
        return answer;
      };
      /** The same request until it gets an answer that is not worth retrying; undefined once the sale is over. */
      const persist = async (trace: Trace, fn: Fn, request: Call) => {
        for (let attempt = 0; !over; attempt++) {
          const answer = await send(trace, fn, request);
          if (!retryable(answer)) return answer;
          if (!(await pause(backOff(answer, attempt)))) return undefined;
        }
        return undefined;
      };
      const settle = (trace: Trace, bought: Answer) => {
        trace.ended = performance.now();
        if (bought.status === 201) {
          trace.outcome = 'bought';
          trace.bought = bought.body.tickets.length;
          trace.boughtAt = trace.ended;
          sold += trace.bought;
          sales.push({ at: trace.ended, tickets: trace.bought });
        } else if (bought.status === 422 || (bought.status === 409 && bought.body?.type === '/problems/sold-out')) {
          trace.outcome = 'refused';
        } else {
          trace.outcome = 'broken';
          broken ??= `${bought.status} ${bought.raw.slice(0, 200)}`;
        }
      };
      const buy = async (i: number, pass?: string) => {
        traces[i]!.outcome = 'trying';
        traces[i]!.triedToBuy = true;
        buyers++;
        try {
          return await persist(traces[i]!, 'purchase', purchaseCall(tokens.get(spec.crowd[i]!.id)!, event, intents[i]!, keys[i]!, pass));
        } finally {
          buyers--;
        }
      };
      const keys = spec.crowd.map(() => randomUUID());

      const roomFan = async (i: number) => {
        const trace = traces[i]!;
        const token = tokens.get(spec.crowd[i]!.id)!;
        if (!(await pause(start + arrivals[i]! - performance.now()))) return;
        trace.outcome = 'waiting';
        let view = await persist(trace, 'join', queueCall(token, event, true));
        while (view) {
          const status = view.status === 200 ? view.body.status : undefined;
          if (status === 'waiting') {
            if (!(await pause(Number(view.headers['retry-after']) * 1000 + Math.random() * LOOK_JITTER_MS))) return;
            view = await persist(trace, 'poll', queueCall(token, event, false));
            continue;
          }
          if (status === 'sold_out') {
            trace.outcome = 'heard sold out';
            closedAt ??= performance.now();
            return;
          }
          if (status !== 'admitted') {
            trace.outcome = 'broken';
            broken ??= `queue: ${view.status} ${view.raw.slice(0, 200)}`;
            return;
          }
          const bought = await buy(i, view.body.pass);
          if (!bought) return;
          // A pass refused (it lapsed meanwhile): back to the room, which says where the fan stands now.
          if (bought.status === 403 && bought.body?.type === '/problems/queue-pass-invalid') {
            trace.outcome = 'waiting';
            view = await persist(trace, 'poll', queueCall(token, event, false));
            continue;
          }
          return settle(trace, bought);
        }
      };
      const plainFan = async (i: number) => {
        if (!(await pause(start + arrivals[i]! - performance.now()))) return;
        const bought = await buy(i);
        if (bought) settle(traces[i]!, bought);
      };

      const cpuBefore = await cpuNow(functions);
      const stopWatching = watch();
      const fanRuns = spec.crowd.map((_, i) => (spec.room ? roomFan(i) : plainFan(i)).finally(() => finished++));
      let trips: RoundTrips[] = [];
      const sell = async () => {
        // Sold out; or the room has closed its doors and its last admitted fans are done; or every fan has stopped; or too long.
        while (sold < spec.seats && !(closedAt && buyers === 0) && finished < spec.crowd.length && performance.now() < opening + SALE_LIMIT_MS) await sleep(50);
        over = true;
        for (const wake of [...sleepers]) wake();
        await Promise.all(fanRuns);
      };
      // Round trips counted on each function's proxy for the whole sale.
      const counting = async (fns: Fn[]): Promise<void> => {
        const [fn, ...rest] = fns;
        if (!fn) return sell();
        trips.push(await proxies[fn].count(() => counting(rest)));
      };
      await counting(Object.keys(CONTAINERS) as Fn[]);
      trips = trips.reverse();
      const ended = performance.now();
      const cpuAfter = await cpuNow(functions);
      const { connections, probes } = await stopWatching();
      const inits = Object.values(functions).flatMap((f) => f.inits);
      await Promise.all(Object.values(functions).map((f) => f.stop()));
      running = undefined;

      for (const trace of traces) trace.ended ??= ended;
      let fairness;
      let roomOrder;
      if (spec.room) {
        // The room's own order: each fan's place; those at or above ROOM_PLACES joined after the opening, in order of arrival.
        const flat = (await redis()!.zrange(`queue:${event}:order`, 0, -1, { withScores: true })) as Array<string | number>;
        const places = new Map<string, number>();
        for (let i = 0; i < flat.length; i += 2) places.set(String(flat[i]), Number(flat[i + 1]));
        const late = spec.crowd.flatMap((m, i) => {
          const place = places.get(m.id);
          return place !== undefined && place >= ROOM_PLACES ? [{ trace: traces[i]!, place }] : [];
        });
        fairness = overtakers(late.map(({ trace, place }) => ({ sent: trace.firstSent!, answered: trace.firstAnswered!, turn: place, counted: true })));
        roomOrder = overtakers(late.map(({ trace, place }) => ({ sent: trace.joinSent!, answered: trace.joinAnswered!, turn: place, counted: true })));
      } else {
        // Everyone comes after the opening: a purchase orders the turns, and a fan without one waited until it stopped.
        fairness = overtakers(
          traces.flatMap((t) => (t.firstSent === undefined ? [] : [{ sent: t.firstSent, answered: t.firstAnswered!, turn: t.boughtAt ?? t.ended!, counted: t.outcome === 'bought' }])),
        );
      }
      const refused = spec.crowd.filter((_, i) => traces[i]!.triedToBuy && traces[i]!.outcome !== 'bought').map((m) => m.id);
      const outcomes = new Map<Trace['outcome'], number>();
      for (const t of traces) outcomes.set(t.outcome, (outcomes.get(t.outcome) ?? 0) + 1);
      sales.sort((a, b) => a.at - b.at);
      return {
        spec,
        event,
        seconds: (ended - start) / 1000,
        stoppedShort: ended >= opening + SALE_LIMIT_MS,
        lastSaleSeconds: sales.length ? (sales.at(-1)!.at - opening) / 1000 : undefined,
        soldOut: sold >= spec.seats,
        closedSeconds: closedAt && (closedAt - opening) / 1000,
        sales,
        answers,
        calls,
        looksPerSecond: looksAfterOpening / ((ended - opening) / 1000),
        unavailableWithoutRetryAfter,
        latencies: Object.fromEntries(
          Object.entries(latencies).map(([name, l]) => [name, { all: l.all.sort((a, b) => a - b), warm: l.warm.sort((a, b) => a - b) }]),
        ) as Sale['latencies'],
        inits: inits.sort((a, b) => a - b),
        fairness,
        roomOrder,
        connections,
        probes,
        trips: Object.fromEntries(
          (Object.keys(CONTAINERS) as Fn[]).map((fn, k) => [fn, { messages: trips[k]!.messages, served: functions[fn].counts.served, throttled: functions[fn].counts.throttled }]),
        ) as Sale['trips'],
        cpu: {
          containers: Object.fromEntries((Object.keys(CONTAINERS) as Fn[]).map((fn) => [fn, cpuAfter.containers[fn] - cpuBefore.containers[fn]])) as Record<Fn, number>,
          mainThread: cpuAfter.mainThread - cpuBefore.mainThread,
          process: cpuAfter.process - cpuBefore.process,
          bridge: cpuAfter.bridge - cpuBefore.bridge,
          pooler: cpuAfter.pooler - cpuBefore.pooler,
          machine: cpuAfter.machine - cpuBefore.machine,
        },
        books: await books(event, refused),
        soldInAnswers: sold,
        outcomes,
        broken,
      };
    };

    /** The same fans, in the order they came, buying the same seats as the old flow's plain SQL on one row per category, POOL_SIZE at a time. */
    const plainSellOut = async (sale: Sale): Promise<Plain> => {
      const event = await newMatch(sql, `${sale.spec.label}-plain`, sale.spec.seats, { opensAt: new Date(Date.now() - 1000), room: false, admitPerMinute: null, single: true });
      const queue = sale.spec.crowd.map((m) => ({ m, intent: intentOf() }));
      let next = 0;
      let tickets = 0;
      const t = performance.now();
      let last = t;
      await Promise.all(
        Array.from({ length: POOL_SIZE }, async () => {
          while (next < queue.length && tickets < sale.spec.seats) {
            const { m, intent } = queue[next++]!;
            if ((await plainTicketPurchase(sql, m.id, m.wallet, ticketing.get(shardOf(m.id))!, event, intent.category, intent.quantity)) === 'sold') {
              tickets += intent.quantity;
              last = performance.now();
            }
          }
        }),
      );
      const [{ left }] = (await sql`select coalesce(sum(available), 0)::int as left from event_categories where event_id = ${event}`) as unknown as [{ left: number }];
      const seconds = (last - t) / 1000;
      return { tickets, seconds, perSecond: tickets / seconds, left };
    };

    // Calibration, and the admission rate and window before the opening it gives for this crowd.
    began = performance.now();
    const calibration = await calibrate();
    const calibrationSeconds = (performance.now() - began) / 1000;
    const P = calibration.purchases.perSecond;
    const Q = calibration.queueCalls.perSecond;
    const earlyFans = Math.round(fans * EARLY_SHARE);
    const seats = 4 * Math.round(fans / FANS_PER_SEAT / 4);
    const planned = plan(P, Q, seats / MEAN_QUANTITY, fans - earlyFans);
    const admitPerMinute = Math.floor(planned.admitPerSecond * 60);
    const preSale = (early: number) => Math.max(MIN_PRESALE_MS, (early / (JOIN_SHARE * Q)) * 1000);
    const small = crowd.slice(0, SMALL_CROWD);

    const sales: Sale[] = [];
    const plains: Plain[] = [];
    sales.push(await runSale({ label: 'room', crowd, room: true, early: earlyFans, seats, admitPerMinute, preSaleMs: preSale(earlyFans) }));
    plains.push(await plainSellOut(sales[0]!));
    sales.push(await runSale({ label: 'baseline', crowd, room: false, early: earlyFans, seats, admitPerMinute: null, preSaleMs: MIN_PRESALE_MS }));
    plains.push(await plainSellOut(sales[1]!));
    // The small crowd comes whole before the opening: its rate is the sale's own, not its arrivals'.
    sales.push(await runSale({ label: 'room-small', crowd: small, room: true, early: SMALL_CROWD, seats, admitPerMinute, preSaleMs: preSale(SMALL_CROWD) }));
    sales.push(await runSale({ label: 'baseline-small', crowd: small, room: false, early: SMALL_CROWD, seats, admitPerMinute: null, preSaleMs: MIN_PRESALE_MS }));

    const [ledger] = await sql<{ total: string; off: number }[]>`
      select (select coalesce(sum(amount), 0)::text from transactions) as total,
             (select count(*)::int from wallets w where w.user_id is not null
                and w.balance <> coalesce((select sum(amount) from transactions t where t.wallet_id = w.id), 0)) as off`;
    const benchSeconds = (performance.now() - benchStart) / 1000;

    return report({
      fans,
      seats,
      sales,
      plains,
      calibration,
      admitPerMinute,
      planned,
      ledger: { zeroSum: ledger!.total === '0', walletsOff: ledger!.off },
      crowdSeconds,
      calibrationSeconds,
      benchSeconds,
      describe: `Postgres ${server!.version} via PgBouncer ${execFileSync(binary, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.replace(/^PgBouncer /, '')} (transaction mode, pool ${POOL_SIZE}); ${scratch.describe}`,
    });
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error) => console.warn(`cleanup failed: ${error}`));
    }
  }
};
