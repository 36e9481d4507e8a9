/**
 * `npm run bench -- wallet`: the money path beside plain SQL.
 *
 * - Round trips to Postgres per movement (transfer, deposit, request
 *   payment), counted on the wire by a proxy, on a prepared connection and
 *   with PG_POOLER=transaction, beside the same transfer as plain SQL.
 * - Transfers per second through the whole handler stack (middy, JWT,
 *   validation, the movement, cache invalidation), uncontended and on one
 *   hot wallet, beside the API's own statement sent by a plain client and
 *   the plain SQL transfer on the same database: the median of three runs
 *   of each, the three taking turns.
 * - Ticket purchases per second on one category selling out: every worker
 *   buys one seat at a time until the category is sold out, through the
 *   handler and as the old flow's plain SQL, each on a category of its own;
 *   then the tickets are counted against the seats.
 * - Where the CPU goes: the handler's own per transfer (p50 and p95, one
 *   transfer at a time); and per movement (transfer, deposit, checkout,
 *   ticket purchase, each beside the same work as plain SQL), the API
 *   process's, the Redis bridge's (a process of its own), Postgres's, Redis's
 *   and the rest of the machine's; Postgres's split into its backends' own
 *   code and the kernel's, the WAL writer's and the rest of the server's,
 *   with the WAL written.
 * - Where a transfer's Postgres time goes: each PL/pgSQL function's own
 *   time as Postgres counts it (track_functions), and what is left outside
 *   them of the Postgres CPU measured.
 *
 * Runs on its own fresh database (DATABASE_URL's server, else an embedded
 * one) and drops it at the end. Prints figures, asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import postgres from 'postgres';
import { startScratch } from '../scripts/local-services';
import { startPgProxy, type PgProxy, type RoundTrips } from '../test/support/pg-proxy';
import { addCpu, cpuBetween, drive, left, machineCpuMs, NO_CPU, num, partsBetween, percentile, postgresCpu, redisServerCpu, right, useScratch, type GroupCpu, type ProcessCpu, type Stats } from './measure';
import { startBridgeProcess } from './redis-bridge-process';
import type { MovementCall } from '../lib/wallet/movement';
import type { Figure } from './summary';

const WORKERS = 16;
const WARMUP_SECONDS = 1;
const MEASURE_SECONDS = 5;
// Single runs of a throughput vary by a third on a shared machine: each is judged by the median of this many.
const ROUNDS = 3;
// One cent: the hot wallet's balance then lasts far longer than any run.
const AMOUNT = 1;
const ROUND_TRIP_SAMPLES = 3;
const CPU_SAMPLES = 400;
const WARM_TRANSFERS = 20;
const SELL_OUT_SEATS = 2000;
const SEAT_PRICE = 100;

const CHECKOUT_ROUNDS = 12;
const CHECKOUT_PRODUCTS = ['asm-scarf', 'asm-ben-yedder-nft'];

/**
 * CPU time per movement, in ms: the API process, the bridge process, the
 * Postgres processes working for the bench's database, the Redis server, and
 * the rest of the machine's busy time (`other`).
 */
type CpuShare = { api: number; bridge: number; postgres: number; redis: number; other: number; inPostgres: PostgresShare };
type CpuClocks = Omit<CpuShare, 'other' | 'inPostgres'> & { machine: number };

/**
 * Postgres's CPU per movement by part, in ms: its backends' split into their
 * own code (user) and the kernel's on their behalf (system: the network,
 * the WAL's writes and flushes), the WAL writer's, and the rest of the
 * server's; and the WAL written, in bytes.
 */
type PostgresShare = { backendsUser: number; backendsSystem: number; walWriter: number; server: number; walBytes: number };

/** Which part of a movement each PL/pgSQL function of the migrations is, for the breakdown. */
const PART: Record<string, string> = {
  movement_claim: 'claim',
  ledger_lock: 'lock',
  ledger_lock_pair: 'lock',
  ledger_lock_fans: 'lock',
  ledger_post: 'post',
  ledger_leg: 'post',
  ledger_shortfall: 'post',
  movement_settle: 'settle',
  wallet_views: 'views',
  ledger_transfer_balanced: 'trigger',
  ledger_append_only: 'trigger',
  fan_account_open: 'trigger',
  wallet_transfer: 'movement',
};

/**
 * The CTEs `transfer`, `moved` and `entries` of one two-leg transfer as
 * plain SQL writes it: `amount` from `from` to `to`, each entry with the
 * balance after it. The table's CHECK refuses an overdraft, as the API's own
 * check would. Each baseline below ends the statement with its own work.
 */
const plainLegs = (tx: postgres.TransactionSql, kind: string, from: string, to: string, amount: number, types: [sent: string, received: string]) => tx`
  transfer as (
    insert into transfers (kind) values (${kind}) returning id
  ), moved as (
    update wallets w set balance = w.balance + d.amount, updated_at = now()
    from (values (${from}::uuid, ${-amount}::bigint, ${to}::uuid, ${types[0]}),
                 (${to}::uuid, ${amount}::bigint, ${from}::uuid, ${types[1]})) as d (id, amount, counterparty, type)
    where w.id = d.id
    returning w.id, w.user_id, w.balance, d.amount, d.counterparty, d.type
  ), entries as (
    insert into transactions (transfer_id, wallet_id, user_id, type, amount, balance_after, counterparty_wallet_id)
    select transfer.id, moved.id, moved.user_id, moved.type, moved.amount, moved.balance, moved.counterparty
    from transfer, moved
  )`;

/** The same movement the API posts, with nothing around it: lock both wallets in id order, then post. */
const plainTransfer = (sql: postgres.Sql, from: string, to: string, amount: number) =>
  sql.begin(async (tx) => {
    await tx`select id from wallets where id in (${from}, ${to}) order by id for update`;
    await tx`with ${plainLegs(tx, 'transfer', from, to, amount, ['send', 'receive'])} select 1`;
  });

/**
 * A top-up as plain SQL statements in a transaction, the same work as
 * wallet_deposit (migration 014) with the simulated provider: lock the
 * wallet and the card-funding shard, read the day's deposits against the
 * limit, post the legs and write the deposit.
 */
const plainDeposit = (sql: postgres.Sql, userId: string, wallet: string, funding: string, amount: number) =>
  sql.begin(async (tx) => {
    await tx`select id from wallets where id in (${wallet}, ${funding}) order by id for update`;
    await tx`select coalesce(sum(amount), 0) from deposits where user_id = ${userId} and canceled_at is null and created_at > now() - interval '24 hours'`;
    await tx`
      with ${plainLegs(tx, 'deposit', funding, wallet, amount, ['funding', 'deposit'])}
      insert into deposits (user_id, amount, method, provider, status, amount_received, transfer_id, confirmed_at)
      select ${userId}, ${amount}, 'card', 'simulated', 'succeeded', ${amount}, id, now() from transfer`;
  });

/**
 * A checkout as plain SQL statements in a transaction, the same work as
 * shop_checkout (migration 004): lock the wallet and the shop account, read
 * the cart with its products locked, take the stock, post the payment and
 * write the order, empty the cart.
 */
const plainCheckout = (sql: postgres.Sql, userId: string, wallet: string, revenue: string) =>
  sql.begin(async (tx) => {
    await tx`select id from wallets where id in (${wallet}, ${revenue}) order by id for update`;
    const lines = await tx<{ id: string; name: string; price: number; quantity: number }[]>`
      select p.id, p.name, p.price, c.quantity from cart c join products p on p.id = c.product_id
      where c.user_id = ${userId} order by p.id for update of p`;
    const total = lines.reduce((sum, l) => sum + Number(l.price) * l.quantity, 0);
    await tx`
      update products p set stock = p.stock - l.quantity
      from unnest(${lines.map((l) => l.id)}::text[], ${lines.map((l) => l.quantity)}::int[]) as l (id, quantity)
      where p.id = l.id and p.stock >= l.quantity`;
    await tx`
      with ${plainLegs(tx, 'purchase', wallet, revenue, total, ['purchase', 'sale'])}, emptied as (
        delete from cart where user_id = ${userId}
      )
      insert into orders (user_id, items, total, status, transfer_id)
      select ${userId}, ${sql.json(lines.map((l) => ({ product_id: l.id, name: l.name, unit_price: Number(l.price), quantity: l.quantity })))}, ${total}, 'paid', id
      from transfer`;
  });

/**
 * An eSIM activation as plain SQL statements in a transaction, the same
 * work as esim_activate (migration 005): the fan's eSIM row locked, the
 * plan read, the wallet and the esim account locked, the payment posted,
 * the eSIM written.
 */
const plainActivation = (sql: postgres.Sql, userId: string, wallet: string, seller: string, planId: string) =>
  sql.begin(async (tx) => {
    await tx`select 1 from esim_active where user_id = ${userId} for update`;
    const [plan] = await tx<{ price: number; duration: number; data_mb: number }[]>`select price, duration, data_mb from esim_plans where id = ${planId}`;
    await tx`select id from wallets where id in (${wallet}, ${seller}) order by id for update`;
    await tx`
      with ${plainLegs(tx, 'purchase', wallet, seller, plan!.price, ['purchase', 'sale'])}
      insert into esim_active (user_id, plan_id, expires_at, data_total, qr_code, iccid, activation_code)
      values (${userId}, ${planId}, now() + make_interval(days => ${plan!.duration}), ${plan!.data_mb}, '<svg/>',
              ${`8933${Date.now()}${Math.floor(Math.random() * 1e5)}`}, 'LPA:1$smdp$X')
      on conflict (user_id) do update set expires_at = excluded.expires_at, data_total = excluded.data_total, data_used = 0,
        iccid = excluded.iccid, activation_code = excluded.activation_code`;
  });

/**
 * The old app's ticket purchase, as it ran: BEGIN, check the balance, debit,
 * insert the tickets, record the movement, COMMIT; here with the seats taken
 * by a guarded update in the debit's place of the flow, from the category's
 * one row. Sold out when that update takes no seats.
 */
export const plainTicketPurchase = (sql: postgres.Sql, userId: string, wallet: string, seller: string, eventId: string, category: string, quantity = 1) =>
  sql.begin(async (tx) => {
    const [seat] = await tx<{ price: number; balance: number }[]>`
      select c.price, w.balance from event_categories c, wallets w
      where c.event_id = ${eventId} and c.category = ${category} and w.id = ${wallet} for update of w`;
    const taken = await tx`update event_categories set available = available - ${quantity} where event_id = ${eventId} and category = ${category} and available >= ${quantity}`;
    if (taken.count === 0) return 'sold-out' as const;
    const [transfer] = await tx<{ id: string }[]>`with ${plainLegs(tx, 'purchase', wallet, seller, seat!.price * quantity, ['purchase', 'sale'])} select id from transfer`;
    await tx`
      insert into tickets (user_id, event_id, category, price, transfer_id)
      select ${userId}, ${eventId}, ${category}, ${seat!.price}, ${transfer!.id} from generate_series(1, ${quantity})`;
    return 'sold' as const;
  });

type SellOut = { sold: number; perSecond: number; p50: number; p95: number; refused: number; tickets: number; left: number };

/**
 * WORKERS buyers take one seat at a time from a category of SELL_OUT_SEATS
 * until `buyOne` says it is sold out; then the tickets and seats left are
 * read back, from where that flow keeps them (the API's seat shards, seen
 * through `category_seats`; the old flow's one row per category):
 * `tickets` must equal `sold`, and `left` be 0.
 */
const sellOut = async (
  sql: postgres.Sql,
  seatsIn: 'category_seats' | 'event_categories',
  buyOne: (worker: number, event: string) => Promise<'sold' | 'sold-out'>,
): Promise<SellOut> => {
  const event = `bench-${randomBytes(4).toString('hex')}`;
  await sql`
    insert into events (id, title, club, date, venue, competition, price_from, max_per_fan)
    values (${event}, 'Bench match', 'OGC_NICE', now() + interval '30 days', 'Bench ground', 'Bench Cup', ${SEAT_PRICE}, ${SELL_OUT_SEATS})`;
  await sql`insert into event_categories (event_id, category, price, capacity, available) values (${event}, 'tribune', ${SEAT_PRICE}, ${SELL_OUT_SEATS}, ${SELL_OUT_SEATS})`;
  const latencies: number[] = [];
  let refused = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      for (;;) {
        const began = performance.now();
        if ((await buyOne(worker, event)) === 'sold-out') {
          refused++;
          return;
        }
        latencies.push(performance.now() - began);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const [books] = await sql<{ tickets: number; left: number }[]>`
    select (select count(*)::int from tickets where event_id = ${event}) as tickets, available as left
    from ${sql(seatsIn)} where event_id = ${event}`;
  return { sold: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), refused, ...books! };
};

/** Of a path's runs in rounds, the one of median rate. */
const medianRun = <T extends { perSecond: number }>(runs: T[]): T => [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)]!;

/** Each run's Postgres CPU over the plain SQL run of the same round: runs next to each other share the machine's state of the moment. */
const pairedRatios = (runs: Array<{ cpu: { postgres: number } }>, plainRuns: Array<{ cpu: { postgres: number } }>): number[] =>
  runs.map((run, round) => run.cpu.postgres / plainRuns[round]!.cpu.postgres);

type FunctionTime = { calls: number; total: number; self: number };
type FunctionShare = FunctionTime & { name: string; part: string };
const PARTS = ['claim', 'lock', 'post', 'settle', 'movement', 'views', 'trigger', 'other'];

/** Postgres's count of each function of the database so far (track_functions): calls, and ms with (total) and without (self) what it calls. */
const functionTimes = async (sql: postgres.Sql): Promise<Map<string, FunctionTime>> => {
  const rows = await sql<Array<{ name: string } & FunctionTime>>`
    select funcname as name, calls::float8 as calls, total_time as total, self_time as self from pg_stat_user_functions`;
  const byName = new Map<string, FunctionTime>();
  // Overloads share a name: they are one piece of the movement here.
  for (const { name, calls, total, self } of rows) {
    const had = byName.get(name) ?? { calls: 0, total: 0, self: 0 };
    byName.set(name, { calls: had.calls + calls, total: had.total + total, self: had.self + self });
  }
  return byName;
};

/** The counts once `transfers` transfers are in them, or after 15 s. */
const flushedTimes = async (sql: postgres.Sql, transfers: number): Promise<Map<string, FunctionTime>> => {
  for (let waited = 0; ; waited += 250) {
    const times = await functionTimes(sql);
    if ((times.get('wallet_transfer')?.calls ?? 0) >= transfers || waited >= 15_000) return times;
    await setTimeout(250);
  }
};

/** The functions called between two counts, per movement, by part of the movement, the costliest first within each. */
const functionsPer = (before: Map<string, FunctionTime>, after: Map<string, FunctionTime>, count: number): FunctionShare[] =>
  [...after]
    .map(([name, t]) => {
      const b = before.get(name) ?? { calls: 0, total: 0, self: 0 };
      return { name, part: PART[name] ?? 'other', calls: (t.calls - b.calls) / count, total: (t.total - b.total) / count, self: (t.self - b.self) / count };
    })
    .filter((f) => f.calls > 0)
    .sort((a, b) => PARTS.indexOf(a.part) - PARTS.indexOf(b.part) || b.self - a.self);

/** Round trips of single operations on a warm connection: `setUp` runs uncounted before each. */
const roundTripsOf = async <T>(proxy: PgProxy, act: (context: T) => Promise<unknown>, setUp: () => Promise<T> = async () => undefined as T) => {
  for (let i = 0; i < 3; i++) await act(await setUp());
  const samples: RoundTrips[] = [];
  for (let i = 0; i < ROUND_TRIP_SAMPLES; i++) {
    const context = await setUp();
    samples.push(await proxy.count(() => act(context)));
  }
  return samples;
};

export const main = async (): Promise<Figure[]> => {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const scratch = await startScratch('bench', { seed: true, redis: startBridgeProcess });
    cleanups.push(scratch.stop);
    const { databaseUrl, redis } = scratch;

    await useScratch(scratch, WORKERS);
    // Only now: the lib reads its settings, and the logger its level, on first use.
    const { newFan } = await import('../test/support/fans');
    const { deposit, send } = await import('../test/support/wallet');
    const { invoke } = await import('../test/support/http');
    const { handler: requestCreate } = await import('../functions/wallet/request-create');
    const { handler: requestPay } = await import('../functions/wallet/request-pay');
    const { handler: addToCart } = await import('../functions/shop/cart-add');
    const { handler: checkout } = await import('../functions/shop/checkout');
    const { handler: activate } = await import('../functions/esim/activate');
    const { handler: purchaseTickets } = await import('../functions/tickets/purchase');
    const { shardOf } = await import('../lib/wallet/ledger');
    const { claimParameter, movementStatement } = await import('../lib/wallet/movement');
    const { transferCall } = await import('../lib/wallet/transfers');
    const { depositCall } = await import('../lib/wallet/deposits');
    const { closeDb, db } = await import('../lib/db');
    cleanups.push(closeDb);

    const plain = postgres(databaseUrl, { max: WORKERS, onnotice: () => {} });
    cleanups.push(() => plain.end({ timeout: 5 }));
    // Commit durability sets the floor of a hot wallet's rate: the lock is held until the WAL is flushed.
    const [settings] = await plain<{ version: string; fsync: string; sync: string }[]>`
      select current_setting('server_version') as version, current_setting('fsync') as fsync, current_setting('synchronous_commit') as sync`;

    // Workers 0..W-1 each own the pair (2w, 2w+1); the hot wallet pays each worker's 2w+1.
    const fans = await Promise.all(Array.from({ length: 2 * WORKERS + 1 }, () => newFan()));
    const hot = 2 * WORKERS;
    const funded = async (answer: Promise<{ status: number; raw: string }>) => {
      const { status, raw } = await answer;
      if (status !== 201) throw new Error(`deposit failed: ${status} ${raw}`);
    };
    await Promise.all(fans.map((fan) => funded(deposit(fan, 100_000))));
    await funded(deposit(fans[hot]!, 100_000));
    const walletRows = await plain<{ id: string; user_id: string }[]>`select id, user_id from wallets where user_id = any(${fans.map((f) => f.id)}::uuid[])`;
    const wallet = new Map(walletRows.map((w) => [w.user_id, w.id]));
    const walletOf = (i: number) => wallet.get(fans[i]!.id)!;

    const viaApi = async (from: number, to: number) => {
      const { status, raw } = await send(fans[from]!, fans[to]!.id, AMOUNT);
      if (status !== 201) throw new Error(`transfer answered ${status} ${raw}`);
    };
    const viaSql = (sql: postgres.Sql, from: number, to: number) => plainTransfer(sql, walletOf(from), walletOf(to), AMOUNT);
    /**
     * The one statement the API sends for a movement, built by the lib's own
     * code, sent by the plain client instead: Postgres's work for the
     * movement without the API process on the same two CPUs, as on Lambda,
     * where the API runs on machines of its own.
     */
    const asStatement = async (userId: string, call: MovementCall, status: number) => {
      const claim = claimParameter(plain, { userId, key: randomBytes(8).toString('hex'), fingerprint: 'bench' });
      const [{ outcome }] = (await movementStatement(plain, call(plain, claim))) as unknown as [{ outcome: { status: number } }];
      if (outcome.status !== status) throw new Error(`the movement's statement answered ${outcome.status}`);
    };
    const viaStatement = (from: number, to: number) => asStatement(fans[from]!.id, transferCall({ to: fans[to]!.id, amount: AMOUNT }), 201);

    const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
    // The bridge's in-memory fallback leaves the machine's Redis server out of the bench: its CPU is then nobody's here.
    const realRedis = redis.kind.endsWith('to Redis');
    const clocks = async () => {
      const [bridge, pg, rs] = await Promise.all([redis.cpuMs(), postgresCpu(database), realRedis ? redisServerCpu() : (new Map() as GroupCpu)]);
      return { bridge, postgres: pg, redis: rs };
    };
    const apiMs = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    // Where the WAL is, read outside the clocks: the query's own work is not counted as any movement's.
    const walAt = async () => BigInt((await plain<{ at: string }[]>`select (pg_current_wal_insert_lsn() - '0/0')::text as at`)[0]!.at);
    /**
     * The CPU each process spends while `work` runs, added up over every
     * call. This process's clock and the machine's are read innermost, so
     * that reading /proc for the others (milliseconds a time) is counted as
     * neither the API's nor the machine's.
     */
    const cpuMeter = () => {
      const used: CpuClocks = { api: 0, bridge: 0, postgres: 0, redis: 0, machine: 0 };
      const inPostgres = new Map<string, ProcessCpu>();
      let walBytes = 0n;
      return {
        during: async <T>(work: () => Promise<T>): Promise<T> => {
          const walBefore = await walAt();
          const before = { ...(await clocks()), machine: (await machineCpuMs()) ?? NaN, api: apiMs() };
          const result = await work();
          const api = apiMs();
          const machine = (await machineCpuMs()) ?? NaN;
          const after = { ...(await clocks()), machine, api };
          walBytes += (await walAt()) - walBefore;
          for (const k of ['api', 'bridge', 'machine'] as const) used[k] += after[k] - before[k];
          for (const k of ['postgres', 'redis'] as const) used[k] += cpuBetween(before[k], after[k]);
          for (const [part, spent] of partsBetween(before.postgres, after.postgres)) inPostgres.set(part, addCpu(inPostgres.get(part) ?? NO_CPU, spent));
          return result;
        },
        per: (count: number): CpuShare => {
          const { api, bridge, postgres, redis: rs, machine } = used;
          const known = api + bridge + (Number.isFinite(postgres) ? postgres : 0) + (Number.isFinite(rs) ? rs : 0);
          const part = (name: string) => inPostgres.get(name) ?? NO_CPU;
          // The backends' time split as their ticks split it.
          const backends = part('backends');
          const userShare = backends.user + backends.system > 0 ? backends.user / (backends.user + backends.system) : NaN;
          return {
            api: api / count,
            bridge: bridge / count,
            postgres: postgres / count,
            redis: rs / count,
            other: (machine - known) / count,
            inPostgres: {
              backendsUser: (backends.ms * userShare) / count,
              backendsSystem: (backends.ms * (1 - userShare)) / count,
              walWriter: part('WAL writer').ms / count,
              server: part('server').ms / count,
              walBytes: Number(walBytes) / count,
            },
          };
        },
      };
    };

    /** Throughput, and the CPU per movement of each process, over the measured seconds. */
    const measure = async (op: (worker: number) => Promise<void>): Promise<Stats & { cpu: CpuShare }> => {
      await drive(WORKERS, WARMUP_SECONDS, op);
      const meter = cpuMeter();
      const stats = await meter.during(() => drive(WORKERS, MEASURE_SECONDS, op));
      return { ...stats, cpu: meter.per(stats.count) };
    };

    type Measured = Stats & { cpu: CpuShare };
    type Path = 'api' | 'statement' | 'sql';
    /** ROUNDS runs of each path, taking turns: the run of median rate of each, and every run's rate. */
    const rounds = async (ops: Record<Path, (worker: number) => Promise<void>>) => {
      const runs: Record<Path, Measured[]> = { api: [], statement: [], sql: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const path of ['api', 'statement', 'sql'] as const) runs[path].push(await measure(ops[path]));
      }
      const rates = (r: Measured[]) => r.map((m) => m.perSecond);
      return {
        api: medianRun(runs.api),
        statement: medianRun(runs.statement),
        sql: medianRun(runs.sql),
        rates: { api: rates(runs.api), statement: rates(runs.statement), sql: rates(runs.sql) },
        pgRatios: { api: pairedRatios(runs.api, runs.sql), statement: pairedRatios(runs.statement, runs.sql) },
      };
    };
    const results: Array<{ scenario: string } & Awaited<ReturnType<typeof rounds>>> = [];
    results.push({ scenario: 'uncontended', ...(await rounds({ api: (w) => viaApi(2 * w, 2 * w + 1), statement: (w) => viaStatement(2 * w, 2 * w + 1), sql: (w) => viaSql(plain, 2 * w, 2 * w + 1) })) });
    results.push({ scenario: 'hot wallet', ...(await rounds({ api: (w) => viaApi(hot, 2 * w + 1), statement: (w) => viaStatement(hot, 2 * w + 1), sql: (w) => viaSql(plain, hot, 2 * w + 1) })) });

    // Each worker tops up its own fan's wallet, by a cent: far below the daily limit over the run; then as plain SQL, from the same shard.
    const cardFunding = new Map((await plain<{ id: string; shard: number }[]>`select id, shard from wallets where system = 'card_funding'`).map((w) => [w.shard, w.id]));
    const deposits = await rounds({
      api: (w) => funded(deposit(fans[2 * w]!, AMOUNT)),
      statement: (w) => asStatement(fans[2 * w]!.id, depositCall(fans[2 * w]!.id, { amount: AMOUNT, method: 'card' }), 201),
      sql: (w) => plainDeposit(plain, fans[2 * w]!.id, walletOf(2 * w), cardFunding.get(shardOf(fans[2 * w]!.id))!, AMOUNT),
    });

    // One category selling out, each worker buying for a fan of its own: through the handler, then as the old flow's plain SQL.
    const buyers = await Promise.all(Array.from({ length: WORKERS }, () => newFan()));
    await Promise.all(buyers.map((fan) => funded(deposit(fan, 100_000))));
    const buyerWallets = new Map((await plain<{ id: string; user_id: string }[]>`select id, user_id from wallets where user_id = any(${buyers.map((b) => b.id)}::uuid[])`).map((w) => [w.user_id, w.id]));
    const buyer = (worker: number) => buyers[worker]!;
    // The plain flow pays the same ticketing shard the API would, so that neither queues on one account the other spreads.
    const ticketing = new Map((await plain<{ id: string; shard: number }[]>`select id, shard from wallets where system = 'ticketing'`).map((w) => [w.shard, w.id]));
    type MeteredSellOut = SellOut & { cpu: CpuShare };
    const meteredSellOut = async (...args: Parameters<typeof sellOut>): Promise<MeteredSellOut> => {
      const meter = cpuMeter();
      const s = await meter.during(() => sellOut(...args));
      return { ...s, cpu: meter.per(s.sold + s.refused) };
    };
    // A sell-out through the handler, then one as the old flow's plain SQL, in ROUNDS rounds: each round's ratio pairs runs next to each other.
    const sellOuts: Record<'api' | 'sql', MeteredSellOut[]> = { api: [], sql: [] };
    for (let round = 0; round < ROUNDS; round++) {
      sellOuts.api.push(await meteredSellOut(plain, 'category_seats', async (worker, event_id) => {
        const bought = await invoke(purchaseTickets, { path: '/api/tickets/purchase', token: buyer(worker).token, headers: { 'idempotency-key': randomBytes(8).toString('hex') }, body: { event_id, category: 'tribune', quantity: 1 } });
        if (bought.status === 409 && bought.body.type === '/problems/sold-out') return 'sold-out';
        if (bought.status !== 201) throw new Error(`ticket purchase answered ${bought.status} ${bought.raw}`);
        return 'sold';
      }));
      sellOuts.sql.push(await meteredSellOut(plain, 'event_categories', (worker, event) => plainTicketPurchase(plain, buyer(worker).id, buyerWallets.get(buyer(worker).id)!, ticketing.get(shardOf(buyer(worker).id))!, event, 'tribune')));
    }
    const soldOut = { api: medianRun(sellOuts.api), sql: medianRun(sellOuts.sql) };
    const sellOutPgRatios = pairedRatios(sellOuts.api, sellOuts.sql);

    const checkoutBy = async (token: string) => {
      const paid = await invoke(checkout, { path: '/api/shop/checkout', method: 'POST', token, headers: { 'idempotency-key': randomBytes(8).toString('hex') } });
      if (paid.status !== 201) throw new Error(`checkout answered ${paid.status} ${paid.raw}`);
    };
    /**
     * Checkouts of a two-line cart, one a shopper at once, in rounds: a
     * checkout empties its cart, so the carts are filled (and the stock kept
     * up) between rounds, by SQL outside the measured CPU. The paths take
     * turns, a round each, so that both sample the machine's same moments.
     */
    type CheckoutPath = { shoppers: string[]; checkoutOne: (shopper: number) => Promise<void> };
    const checkoutRounds = async (paths: Record<'api' | 'sql', CheckoutPath>) => {
      const runs = { api: { meter: cpuMeter(), seconds: 0 }, sql: { meter: cpuMeter(), seconds: 0 } };
      for (let round = 0; round < CHECKOUT_ROUNDS; round++) {
        for (const path of ['api', 'sql'] as const) {
          const { shoppers, checkoutOne } = paths[path];
          await plain`
            insert into cart (user_id, product_id, quantity) select u, p, 1 from unnest(${shoppers}::uuid[]) u, unnest(${CHECKOUT_PRODUCTS}::text[]) p
            on conflict (user_id, product_id) do nothing`;
          await plain`update products set stock = greatest(stock, 1000) where id = any(${CHECKOUT_PRODUCTS})`;
          const began = performance.now();
          await runs[path].meter.during(() => Promise.all(shoppers.map((_, i) => checkoutOne(i))));
          runs[path].seconds += (performance.now() - began) / 1000;
        }
      }
      const rowOf = (path: 'api' | 'sql') => {
        const count = CHECKOUT_ROUNDS * paths[path].shoppers.length;
        return { count, perSecond: count / runs[path].seconds, cpu: runs[path].meter.per(count) };
      };
      return { api: rowOf('api'), sql: rowOf('sql') };
    };
    // Shoppers of their own, through the handler and as plain SQL: each has the money for every round, and the fans counted below keep theirs.
    const fundedFans = async () => {
      const made = await Promise.all(Array.from({ length: WORKERS }, () => newFan()));
      await Promise.all(made.map((fan) => funded(deposit(fan, 100_000))));
      return made;
    };
    const [apiShoppers, plainShoppers] = [await fundedFans(), await fundedFans()];
    const plainShopperWallets = new Map((await plain<{ id: string; user_id: string }[]>`select id, user_id from wallets where user_id = any(${plainShoppers.map((f) => f.id)}::uuid[])`).map((w) => [w.user_id, w.id]));
    const revenue = new Map((await plain<{ id: string; shard: number }[]>`select id, shard from wallets where system = 'shop_revenue'`).map((w) => [w.shard, w.id]));
    const shopperIds = (shoppers: typeof fans) => shoppers.map((f) => f.id);
    const checkouts = await checkoutRounds({
      api: { shoppers: shopperIds(apiShoppers), checkoutOne: (i) => checkoutBy(apiShoppers[i]!.token) },
      sql: {
        shoppers: shopperIds(plainShoppers),
        checkoutOne: (i) => {
          const { id } = plainShoppers[i]!;
          return plainCheckout(plain, id, plainShopperWallets.get(id)!, revenue.get(shardOf(id))!);
        },
      },
    });

    // The handler's own CPU, one transfer at a time: nothing else runs in this process meanwhile.
    // Postgres meanwhile times each PL/pgSQL function on the lib's new connections (track_functions), for the breakdown.
    await plain`alter database ${plain(database)} set track_functions = 'all'`;
    await closeDb();
    for (let i = 0; i < WARM_TRANSFERS; i++) await viaApi(0, 1);
    // One at a time, the lib works on one connection, which an idle backend flushes its counts from only after 10 s (closing 2 s idle, the
    // lib would make the measured transfers start on a cold backend): the warm-up's counts are flushed now, on that connection.
    await db()`select pg_stat_force_next_flush()`;
    const before = await flushedTimes(plain, WARM_TRANSFERS);
    const handlerCpu: number[] = [];
    const oneAtATime = cpuMeter();
    await oneAtATime.during(async () => {
      for (let i = 0; i < CPU_SAMPLES; i++) {
        const began = process.cpuUsage();
        await viaApi(0, 1);
        const used = process.cpuUsage(began);
        handlerCpu.push((used.user + used.system) / 1000);
      }
    });
    handlerCpu.sort((a, b) => a - b);
    await closeDb();
    const breakdown = functionsPer(before, await flushedTimes(plain, WARM_TRANSFERS + CPU_SAMPLES), CPU_SAMPLES);
    await plain`alter database ${plain(database)} reset track_functions`;
    const oneCpu = oneAtATime.per(CPU_SAMPLES);
    // The plain transfer one at a time as well: neither then shares a WAL flush with another's commit.
    for (let i = 0; i < WARM_TRANSFERS; i++) await viaSql(plain, 0, 1);
    const plainOneAtATime = cpuMeter();
    await plainOneAtATime.during(async () => {
      for (let i = 0; i < CPU_SAMPLES; i++) await viaSql(plain, 0, 1);
    });
    const plainOneCpu = plainOneAtATime.per(CPU_SAMPLES);

    // One connection through the proxy, so warm-up prepares every statement on the one that is counted.
    const proxy = await startPgProxy(databaseUrl);
    cleanups.push(proxy.close);
    const pay = async (payer: number, requester: number) => {
      const asked = await invoke(requestCreate, { path: '/api/wallet/requests', token: fans[requester]!.token, body: { from: fans[payer]!.id, amount: AMOUNT } });
      if (asked.status !== 201) throw new Error(`request answered ${asked.status} ${asked.raw}`);
      return asked.body.id as string;
    };
    const payOnce = async (id: string) => {
      const paid = await invoke(requestPay, { path: `/api/wallet/requests/${id}/pay`, method: 'POST', token: fans[2]!.token, params: { id }, headers: { 'idempotency-key': randomBytes(8).toString('hex') } });
      if (paid.status !== 200) throw new Error(`pay answered ${paid.status} ${paid.raw}`);
    };
    // A cart of two lines before each checkout (not counted).
    const shopper = fans[5]!;
    const fillCart = async () => {
      for (const product_id of CHECKOUT_PRODUCTS) {
        const added = await invoke(addToCart, { path: '/api/shop/cart', token: shopper.token, body: { product_id } });
        if (added.status !== 200) throw new Error(`cart answered ${added.status} ${added.raw}`);
      }
    };
    const checkoutOnce = () => checkoutBy(shopper.token);
    // Before each activation (not counted), the traveller's last eSIM has used its data up.
    const traveller = fans[6]!;
    const useUp = () => plain`update esim_active set data_used = data_total where user_id = ${traveller.id}`;
    // The counting buys more tickets for one match than a fan may hold by default.
    await plain`update events set max_per_fan = 1000 where id = 'om-losc'`;
    const ticketOnce = async () => {
      const bought = await invoke(purchaseTickets, { path: '/api/tickets/purchase', token: traveller.token, headers: { 'idempotency-key': randomBytes(8).toString('hex') }, body: { event_id: 'om-losc', category: 'virage_sud', quantity: 1 } });
      if (bought.status !== 201) throw new Error(`ticket purchase answered ${bought.status} ${bought.raw}`);
    };
    const activateOnce = async () => {
      const bought = await invoke(activate, { path: '/api/esim/activate', token: traveller.token, headers: { 'idempotency-key': randomBytes(8).toString('hex') }, body: { plan_id: 'eu-5gb-7d' } });
      if (bought.status !== 201) throw new Error(`activation answered ${bought.status} ${bought.raw}`);
    };
    const apiRoundTrips = async (pooler: 'none' | 'transaction') => {
      await closeDb();
      Object.assign(process.env, { DATABASE_URL: proxy.url, PG_POOL_MAX: '1', PG_POOLER: pooler });
      return [
        await roundTripsOf(proxy, () => viaApi(0, 1)),
        await roundTripsOf(proxy, () => funded(deposit(fans[4]!, AMOUNT))),
        await roundTripsOf(proxy, payOnce, () => pay(2, 3)),
        await roundTripsOf(proxy, checkoutOnce, fillCart),
        await roundTripsOf(proxy, activateOnce, useUp),
        await roundTripsOf(proxy, ticketOnce),
      ];
    };
    const [direct, pooled] = [await apiRoundTrips('none'), await apiRoundTrips('transaction')];
    await closeDb();
    const plainOne = postgres(proxy.url, { max: 1, onnotice: () => {} });
    let plainTrips: RoundTrips[];
    let plainCheckoutTrips: RoundTrips[];
    let plainActivationTrips: RoundTrips[];
    let plainTicketTrips: RoundTrips[];
    try {
      plainTrips = await roundTripsOf(proxy, () => viaSql(plainOne, 0, 1));
      const [revenue] = await plain<{ id: string }[]>`select id from wallets where system = 'shop_revenue' and shard = ${shardOf(shopper.id)}`;
      plainCheckoutTrips = await roundTripsOf(proxy, () => plainCheckout(plainOne, shopper.id, wallet.get(shopper.id)!, revenue!.id), fillCart);
      const [seller] = await plain<{ id: string }[]>`select id from wallets where system = 'esim' and shard = ${shardOf(traveller.id)}`;
      plainActivationTrips = await roundTripsOf(proxy, () => plainActivation(plainOne, traveller.id, wallet.get(traveller.id)!, seller!.id, 'eu-5gb-7d'), useUp);
      const [box] = await plain<{ id: string }[]>`select id from wallets where system = 'ticketing' and shard = ${shardOf(traveller.id)}`;
      plainTicketTrips = await roundTripsOf(proxy, () => plainTicketPurchase(plainOne, traveller.id, wallet.get(traveller.id)!, box!.id, 'om-losc', 'virage_sud'));
    } finally {
      await plainOne.end({ timeout: 5 });
    }

    const trips = (samples: RoundTrips[]) => [...new Set(samples.map((r) => r.messages))].join('/');
    const out: string[] = [
      '',
      `money path — Postgres ${settings!.version} (fsync=${settings!.fsync}, synchronous_commit=${settings!.sync}), ${scratch.describe}`,
      `Node ${process.versions.node}, ${availableParallelism()} CPUs; ${WORKERS} concurrent workers; ${WARMUP_SECONDS} s warm-up + ${MEASURE_SECONDS} s measured per run`,
      '',
      'round trips to Postgres per movement (counted on the wire, warm connection)',
      `${left('', 28)}${right('direct', 8)}${right('pooler', 8)}${right('plain SQL', 11)}`,
      `${left('transfer', 28)}${right(trips(direct[0]!), 8)}${right(trips(pooled[0]!), 8)}${right(trips(plainTrips), 11)}`,
      `${left('deposit', 28)}${right(trips(direct[1]!), 8)}${right(trips(pooled[1]!), 8)}`,
      `${left('request payment', 28)}${right(trips(direct[2]!), 8)}${right(trips(pooled[2]!), 8)}`,
      `${left('checkout (2 lines)', 28)}${right(trips(direct[3]!), 8)}${right(trips(pooled[3]!), 8)}${right(trips(plainCheckoutTrips), 11)}`,
      `${left('eSIM activation', 28)}${right(trips(direct[4]!), 8)}${right(trips(pooled[4]!), 8)}${right(trips(plainActivationTrips), 11)}`,
      `${left('ticket purchase', 28)}${right(trips(direct[5]!), 8)}${right(trips(pooled[5]!), 8)}${right(trips(plainTicketTrips), 11)}`,
      '',
      `transfers (POST /api/wallet/transfers in-process, vs the same transfer as plain SQL): the median of ${ROUNDS} runs, each run's rate beside it; their CPU is in the table below`,
      `${left('scenario', 13)}${left('path', 11)}${right('per s', 9)}${right('p50 ms', 9)}${right('p95 ms', 9)}${right('errors', 8)}  ${left('runs per s', 22)}Postgres CPU ÷ plain SQL's, run by run`,
    ];
    for (const { scenario, api, statement, sql, rates, pgRatios } of results) {
      for (const [path, s, runs, ratios] of [['API', api, rates.api, pgRatios.api], ["API's SQL", statement, rates.statement, pgRatios.statement], ['plain SQL', sql, rates.sql, []]] as const) {
        out.push(`${left(scenario, 13)}${left(path, 11)}${num(s.perSecond, 9, 1)}${num(s.p50, 9, 1)}${num(s.p95, 9, 1)}${num(s.errors, 8)}  ${left(runs.map((r) => r.toFixed(0)).join(' / '), 22)}${ratios.map((r) => r.toFixed(2)).join(' / ')}`);
      }
      out.push(`${left('', 13)}${left('API/plain', 11)}${num(api.perSecond / sql.perSecond, 9, 2)}`);
    }
    for (const { scenario, api, statement, sql } of results) {
      if (api.firstError) out.push(`  ${scenario} API, first error: ${api.firstError}`);
      if (statement.firstError) out.push(`  ${scenario} API's SQL, first error: ${statement.firstError}`);
      if (sql.firstError) out.push(`  ${scenario} plain SQL, first error: ${sql.firstError}`);
    }
    out.push(
      '',
      `ticket purchases on one category selling out (${SELL_OUT_SEATS} seats, ${WORKERS} buyers, one seat per purchase), a sell-out per path in each of ${ROUNDS} rounds`,
      `${left('path', 11)}${right('sold', 7)}${right('per s', 9)}${right('p50 ms', 9)}${right('p95 ms', 9)}${right('tickets', 9)}${right('left', 6)}${right('refused', 9)}`,
    );
    for (const [path, runs] of [['API', sellOuts.api], ['plain SQL', sellOuts.sql]] as const) {
      for (const s of runs) out.push(`${left(path, 11)}${num(s.sold, 7)}${num(s.perSecond, 9, 1)}${num(s.p50, 9, 1)}${num(s.p95, 9, 1)}${num(s.tickets, 9)}${num(s.left, 6)}${num(s.refused, 9)}`);
    }
    out.push(`${left('API/plain', 11)}${right('', 7)}${num(soldOut.api.perSecond / soldOut.sql.perSecond, 9, 2)}`);

    type CpuRow = { count: number; perSecond: number; cpu: CpuShare };
    const sold = (s: MeteredSellOut): CpuRow => ({ count: s.sold, perSecond: s.perSecond, cpu: s.cpu });
    const kinds: Array<{ movement: string; api: CpuRow; statement?: CpuRow; sql?: CpuRow }> = [
      { movement: 'transfer, uncontended', ...results[0]! },
      { movement: 'transfer, hot wallet', ...results[1]! },
      { movement: 'transfer, one at a time', api: { count: CPU_SAMPLES, perSecond: NaN, cpu: oneCpu }, sql: { count: CPU_SAMPLES, perSecond: NaN, cpu: plainOneCpu } },
      { movement: 'deposit', ...deposits },
      { movement: 'checkout (2 lines)', api: checkouts.api, sql: checkouts.sql },
      { movement: 'ticket purchase (sell-out)', api: sold(soldOut.api), sql: sold(soldOut.sql) },
    ];
    const cpuCells = (r: Pick<CpuShare, 'api' | 'bridge' | 'postgres' | 'redis'>, digits: number) =>
      `${num(r.api, 10, digits)}${num(r.bridge, 8, digits)}${num(r.postgres, 10, digits)}${num(r.redis, 8, digits)}`;
    out.push(
      '',
      `CPU per movement by process, in ms (${WORKERS} workers; checkouts in ${CHECKOUT_ROUNDS} rounds of one per worker; transfers, deposits and sell-outs the run of median rate of their rounds); "PG ÷ plain" is Postgres's beside the same work's as plain SQL`,
      `${left('movement', 28)}${left('path', 11)}${right('count', 7)}${right('per s', 9)}${right('API proc', 10)}${right('bridge', 8)}${right('Postgres', 10)}${right('Redis', 8)}${right('other', 8)}${right('PG ÷ plain', 12)}`,
    );
    /** Each path a movement was measured on: through the API, the API's statement from a plain client, plain SQL. */
    const pathsOf = ({ api, statement, sql }: (typeof kinds)[number]) =>
      ([['API', api], ["API's SQL", statement], ['plain SQL', sql]] as Array<[string, CpuRow | undefined]>).filter((p): p is [string, CpuRow] => p[1] !== undefined);
    for (const kind of kinds) {
      const { api, sql } = kind;
      for (const [path, r] of pathsOf(kind)) {
        out.push(`${left(kind.movement, 28)}${left(path, 11)}${num(r.count, 7)}${num(r.perSecond, 9, 1)}${cpuCells(r.cpu, 3)}${num(r.cpu.other, 8, 3)}${num(sql ? r.cpu.postgres / sql.cpu.postgres : NaN, 12, 2)}`);
      }
      if (sql) {
        const ratio = (k: 'api' | 'postgres') => api.cpu[k] / sql.cpu[k];
        out.push(`${left('', 28)}${left('API/plain', 11)}${right('', 7)}${num(api.perSecond / sql.perSecond, 9, 2)}${cpuCells({ api: ratio('api'), bridge: NaN, postgres: ratio('postgres'), redis: NaN }, 2)}`);
      }
    }
    out.push(
      '',
      'Postgres\'s CPU per movement by process, in ms, and the WAL it wrote: its backends\' time split into their own code and the kernel\'s (network, WAL writes and flushes) as /proc\'s ticks split it',
      `${left('movement', 28)}${left('path', 11)}${right('backends', 10)}${right('kernel', 8)}${right('WAL writer', 12)}${right('server', 8)}${right('WAL bytes', 11)}`,
    );
    for (const kind of kinds) {
      for (const [path, r] of pathsOf(kind)) {
        const p = r.cpu.inPostgres;
        out.push(`${left(kind.movement, 28)}${left(path, 11)}${num(p.backendsUser, 10, 3)}${num(p.backendsSystem, 8, 3)}${num(p.walWriter, 12, 3)}${num(p.server, 8, 3)}${num(p.walBytes, 11)}`);
      }
    }
    const functionsMs = breakdown.reduce((sum, f) => sum + f.self, 0);
    out.push(
      '',
      `where a transfer's Postgres time goes: the ${CPU_SAMPLES} transfers one at a time, each function timed by Postgres (track_functions = all); ms per transfer`,
      `${left('part', 10)}${left('function', 28)}${right('calls', 7)}${right('own ms', 9)}${right('with callees', 14)}`,
      ...breakdown.map((f) => `${left(f.part, 10)}${left(f.name, 28)}${num(f.calls, 7, 2)}${num(f.self, 9, 3)}${num(f.total, 14, 3)}`),
      `${left('', 10)}${left('all functions', 28)}${right('', 7)}${num(functionsMs, 9, 3)}`,
      `${left('other', 10)}${left('outside them: the statement, commit, WAL, protocol', 52)}${num(oneCpu.postgres - functionsMs, 9, 3)}  (Postgres CPU less all functions)`,
      `${left('', 10)}${left('Postgres CPU per transfer, one at a time (/proc)', 52)}${num(oneCpu.postgres, 9, 3)}`,
      `"own ms" is the wall time in a function less that of the functions it calls: one transfer at a time, nothing waits on a lock, so it is CPU and the odd read from disk.`,
      '',
      `handler CPU per transfer, one at a time (${CPU_SAMPLES} transfers; includes its cache client, not the bridge): p50 ${percentile(handlerCpu, 0.5).toFixed(2)} ms, p95 ${percentile(handlerCpu, 0.95).toFixed(2)} ms`,
      `Postgres is its processes working for the bench's database (backends, postmaster, WAL writer, checkpointer); Redis the redis-server process; other the machine's busy CPU less all of them. ${availableParallelism()} CPUs give ${availableParallelism() * 1000} ms of CPU per second in all.`,
    );
    console.log(out.join('\n'));

    const most = (modes: RoundTrips[][]) => Math.max(...modes.flat().map((r) => r.messages));
    const plainMost = most([plainTrips]);
    // Transfer, deposit and request payment; the checkout has a target of its own.
    const [movesDirect, movesPooled] = [direct.slice(0, 3), pooled.slice(0, 3)];
    const [uncontended, hotWallet] = results.map(({ api, sql }) => ({ api, sql, ratio: api.perSecond / sql.perSecond }));
    const rate = (s: Stats) => `${s.perSecond.toFixed(0)}/s`;
    // On this one machine every process shares its CPUs: a path can go no faster than they allow for its CPU per transfer, all processes together.
    const cpuNote = (s: Stats & { cpu: CpuShare }) => {
      const { api, bridge, postgres, redis: rs, other } = s.cpu;
      const all = api + bridge + postgres + (Number.isFinite(rs) ? rs : 0) + other;
      return `${rate(s)}; CPU/transfer ${api.toFixed(2)} ms API + ${bridge.toFixed(2)} bridge + ${postgres.toFixed(2)} Postgres + ${rs.toFixed(2)} Redis + ${other.toFixed(2)} other = ${all.toFixed(2)} ms, at most ${((availableParallelism() * 1000) / all).toFixed(0)}/s on ${availableParallelism()} CPUs`;
    };
    // What a transfer asks of Postgres that the plain one does not, from the breakdown: the key claimed and settled, the balances read back.
    const partMs = (part: string) => breakdown.filter((f) => f.part === part).reduce((sum, f) => sum + f.self, 0);
    const beyondPlain = `; beyond plain SQL, one at a time: the key ${(partMs('claim') + partMs('settle')).toFixed(2)} ms, the balances read back ${partMs('views').toFixed(2)} ms`;
    /**
     * Where the API's statement was also sent from a plain client, that is
     * the figure: the in-process API's Postgres CPU is inflated by the API
     * process on the same two CPUs (see bench/README.md), and is given beside
     * it. Where each path ran in rounds, the figure is the median of the
     * rounds' ratios, each run over the plain SQL run of its round.
     */
    const postgresFigure = (
      movement: string,
      row: { api: CpuRow; statement?: CpuRow; sql: CpuRow; pgRatios?: { api: number[]; statement?: number[] } },
      plainName: string,
      note = '',
    ): Figure => {
      const path = row.statement ? 'statement' : 'api';
      const measured = row[path]!;
      const paired = (p: 'api' | 'statement') => row.pgRatios?.[p];
      const ratioOf = (p: 'api' | 'statement') => {
        const ratios = paired(p);
        return ratios ? percentile([...ratios].sort((a, b) => a - b), 0.5) : row[p]!.cpu.postgres / row.sql.cpu.postgres;
      };
      const ratio = ratioOf(path);
      const pathRatios = paired(path);
      const runs = pathRatios ? `, the median of ${pathRatios.map((r) => r.toFixed(2)).join(' / ')}` : '';
      const inProcess = row.statement ? `; through the in-process API ${ratioOf('api').toFixed(2)}× (${row.api.cpu.postgres.toFixed(3)} ms)` : '';
      return {
        figure: `Postgres CPU per ${movement} ÷ the same as plain SQL${row.statement ? " (the API's statement)" : ''}`,
        measured: `${ratio.toFixed(2)}× (${measured.cpu.postgres.toFixed(3)} ms${runs}${inProcess}${note})`,
        baseline: `${row.sql.cpu.postgres.toFixed(3)} ms (${plainName})`,
        target: '≤ 1.5×',
        met: ratio <= 1.5,
      };
    };
    return [
      { figure: 'round trips per movement, direct', measured: String(most(movesDirect)), baseline: `${plainMost} (plain SQL)`, target: '≤ 3', met: most(movesDirect) <= 3 },
      { figure: 'round trips per movement, pooler', measured: String(most(movesPooled)), baseline: `${plainMost} (plain SQL)`, target: '≤ 3', met: most(movesPooled) <= 3 },
      { figure: 'round trips per checkout, direct / pooler', measured: `${trips(direct[3]!)} / ${trips(pooled[3]!)}`, baseline: `${trips(plainCheckoutTrips)} (plain SQL)`, target: '≤ 4', met: most([direct[3]!, pooled[3]!]) <= 4 },
      { figure: 'round trips per ticket purchase, direct / pooler', measured: `${trips(direct[5]!)} / ${trips(pooled[5]!)}`, baseline: `${trips(plainTicketTrips)} (old flow, plain SQL)`, target: '≤ 3', met: most([direct[5]!, pooled[5]!]) <= 3 },
      { figure: 'round trips per eSIM activation, direct / pooler', measured: `${trips(direct[4]!)} / ${trips(pooled[4]!)}`, baseline: `${trips(plainActivationTrips)} (plain SQL)`, target: '≤ 4', met: most([direct[4]!, pooled[4]!]) <= 4 },
      {
        figure: `ticket purchases per second, one category selling out (${SELL_OUT_SEATS} seats)`,
        measured: `${soldOut.api.perSecond.toFixed(0)}/s, ${soldOut.api.tickets} tickets for ${soldOut.api.sold} sold, ${soldOut.api.left} left`,
        baseline: `${soldOut.sql.perSecond.toFixed(0)}/s (old flow, plain SQL)`,
        target: 'every seat sold once, none oversold',
        met: [...sellOuts.api, ...sellOuts.sql].every((s) => s.sold === SELL_OUT_SEATS && s.tickets === SELL_OUT_SEATS && s.left === 0),
      },
      { figure: 'hot wallet, API/plain', measured: `${hotWallet!.ratio.toFixed(2)} (${cpuNote(hotWallet!.api)})`, baseline: cpuNote(hotWallet!.sql), target: '≥ 1.0', met: hotWallet!.ratio >= 1 },
      { figure: 'uncontended, API/plain', measured: `${uncontended!.ratio.toFixed(2)} (${cpuNote(uncontended!.api)})`, baseline: cpuNote(uncontended!.sql), target: '≥ 0.5', met: uncontended!.ratio >= 0.5 },
      postgresFigure('transfer', results[0]!, 'plain SQL transfer, uncontended', beyondPlain),
      postgresFigure('deposit', deposits, 'plain SQL deposit'),
      postgresFigure('checkout', checkouts, 'plain SQL checkout'),
      postgresFigure('ticket purchase', { api: kinds[5]!.api, sql: kinds[5]!.sql!, pgRatios: { api: sellOutPgRatios } }, 'old flow, plain SQL'),
      { figure: 'handler CPU per transfer, p50 / p95', measured: `${percentile(handlerCpu, 0.5).toFixed(2)} / ${percentile(handlerCpu, 0.95).toFixed(2)} ms`, baseline: '', target: '≤ 1 ms (aim)', met: percentile(handlerCpu, 0.5) <= 1 },
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error) => console.warn(`cleanup failed: ${error}`));
    }
  }
};
