/**
 * `npm run bench -- wallet`: fan-to-fan transfers per second through the whole
 * handler stack (middy, JWT, validation, idempotency, ledger, cache
 * invalidation), uncontended and on one hot wallet, beside the same
 * double-entry transfer as plain SQL on the same database; and the database
 * round trips one transfer costs, counted by a proxy on the wire.
 *
 * Runs on its own fresh database (DATABASE_URL's server, else an embedded
 * one) and Redis through the REST bridge (REDIS_URL, else in memory); drops
 * and stops all of it at the end. Prints figures, asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { startScratch } from '../scripts/local-services';

const WORKERS = 16;
const WARMUP_SECONDS = 1;
const MEASURE_SECONDS = 5;
// One cent: the hot wallet's €2,000 (the daily deposit limit) then lasts far longer than any run.
const AMOUNT = 1;
const ROUND_TRIP_SAMPLES = 3;

/** `nodeCpu`: this process's CPU time over wall time, in % of one core (handler stack, client, Redis bridge). */
type Stats = { transfers: number; perSecond: number; p50: number; p95: number; nodeCpu: number; errors: number; firstError?: string };

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;

/** WORKERS loops calling `op(worker)` back to back until the time is up. */
const drive = async (seconds: number, op: (worker: number) => Promise<void>): Promise<Stats> => {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      while (performance.now() < end) {
        const began = performance.now();
        try {
          await op(worker);
          latencies.push(performance.now() - began);
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return {
    transfers: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    nodeCpu: (user + system) / 1e4 / elapsed,
    errors,
    firstError,
  };
};

// Connections, prepared statements and the JIT settle during the warm-up.
const measure = async (op: (worker: number) => Promise<void>) => {
  await drive(WARMUP_SECONDS, op);
  return drive(MEASURE_SECONDS, op);
};

/**
 * The same movement `lib/wallet` posts, with nothing around it: lock both
 * wallets in id order, then balances, the transfer and its two entries (each
 * with the balance after it) in one statement. The table's CHECK refuses an
 * overdraft, as the API's own check would.
 */
const plainTransfer = (sql: postgres.Sql, from: string, to: string, amount: number) =>
  sql.begin(async (tx) => {
    await tx`select id from wallets where id in (${from}, ${to}) order by id for update`;
    await tx`
      with transfer as (
        insert into transfers (kind) values ('transfer') returning id
      ), moved as (
        update wallets w set balance = w.balance + d.amount, updated_at = now()
        from (values (${from}::uuid, ${-amount}::bigint, ${to}::uuid, 'send'),
                     (${to}::uuid, ${amount}::bigint, ${from}::uuid, 'receive')) as d (id, amount, counterparty, type)
        where w.id = d.id
        returning w.id, w.user_id, w.balance, d.amount, d.counterparty, d.type
      )
      insert into transactions (transfer_id, wallet_id, user_id, type, amount, balance_after, counterparty_wallet_id)
      select transfer.id, moved.id, moved.user_id, moved.type, moved.amount, moved.balance, moved.counterparty
      from transfer, moved`;
  });

/*
 * Frontend messages are a type byte and an int32 length that counts itself;
 * the first message of a connection (and the one after an SSL or GSS
 * encryption request) has no type byte.
 */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const ENDS_ROUND_TRIP = new Set(['S', 'Q', 'H'].map((c) => c.charCodeAt(0))); // Sync, simple Query, Flush

const frontendReader = (onMessage: (type: number) => void) => {
  let pending: Buffer = Buffer.alloc(0);
  let untyped = true;
  return (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (untyped) {
        if (pending.length < 8) return;
        const length = pending.readInt32BE(0);
        if (pending.length < length) return;
        const code = pending.readInt32BE(4);
        untyped = code === SSL_REQUEST || code === GSSENC_REQUEST;
        pending = pending.subarray(length);
      } else {
        if (pending.length < 5) return;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) return;
        onMessage(pending[0]!);
        pending = pending.subarray(1 + length);
      }
    }
  };
};

type RoundTrips = { messages: number; flights: number };

/**
 * A TCP proxy in front of Postgres that counts, while switched on, the
 * messages after which a client waits for an answer (Sync, Query, Flush) and,
 * as a cross-check, the client's flights: sends that follow a server reply.
 */
const countingProxy = async (target: URL) => {
  let on = false;
  let counts: RoundTrips = { messages: 0, flights: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    let clientsTurn = false;
    const read = frontendReader((type) => {
      if (on && ENDS_ROUND_TRIP.has(type)) counts.messages++;
    });
    client.on('data', (chunk: Buffer) => {
      if (!clientsTurn && on) counts.flights++;
      clientsTurn = true;
      read(chunk);
    });
    upstream.on('data', () => {
      clientsTurn = false;
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: url.toString(),
    /** Counts only while `fn` runs: its connections must already be open and idle. */
    count: async (fn: () => Promise<unknown>): Promise<RoundTrips> => {
      counts = { messages: 0, flights: 0 };
      on = true;
      try {
        await fn();
      } finally {
        on = false;
      }
      return counts;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

/** Round trips of single transfers, after warm-up on the same (one) connection. */
const roundTripsOf = async (proxy: Awaited<ReturnType<typeof countingProxy>>, once: () => Promise<unknown>) => {
  for (let i = 0; i < 3; i++) await once();
  const samples: RoundTrips[] = [];
  for (let i = 0; i < ROUND_TRIP_SAMPLES; i++) samples.push(await proxy.count(once));
  return samples;
};

const left = (v: string, width: number) => v.padEnd(width);
const right = (v: string, width: number) => v.padStart(width);
const num = (v: number, width: number, digits = 0) => right(v.toFixed(digits), width);

export const main = async (): Promise<void> => {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const scratch = await startScratch('bench', { seed: false });
    cleanups.push(scratch.stop);
    const { databaseUrl, redis } = scratch;

    Object.assign(process.env, {
      DATABASE_URL: databaseUrl,
      UPSTASH_REDIS_REST_URL: redis.url,
      UPSTASH_REDIS_REST_TOKEN: redis.token,
      JWT_SECRET: randomBytes(32).toString('hex'),
      BCRYPT_COST: '10',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      PG_POOL_MAX: String(WORKERS),
      PG_POOLER: 'none',
    });
    // Only now: the lib reads its settings, and the logger its level, on first use.
    const { newFan } = await import('../test/support/fans');
    const { deposit, send } = await import('../test/support/wallet');
    const { closeDb } = await import('../lib/db');
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

    const results: Array<{ scenario: string; api: Stats; sql: Stats }> = [];
    results.push({
      scenario: 'uncontended',
      api: await measure((w) => viaApi(2 * w, 2 * w + 1)),
      sql: await measure((w) => viaSql(plain, 2 * w, 2 * w + 1)),
    });
    results.push({
      scenario: 'contended',
      api: await measure((w) => viaApi(hot, 2 * w + 1)),
      sql: await measure((w) => viaSql(plain, hot, 2 * w + 1)),
    });

    // One connection through the proxy, so warm-up prepares every statement on the one that is counted.
    const proxy = await countingProxy(new URL(databaseUrl));
    cleanups.push(proxy.close);
    const apiRoundTrips = async (pooler: 'none' | 'transaction') => {
      await closeDb();
      Object.assign(process.env, { DATABASE_URL: proxy.url, PG_POOL_MAX: '1', PG_POOLER: pooler });
      return roundTripsOf(proxy, () => viaApi(0, 1));
    };
    const roundTrips: Array<[string, RoundTrips[]]> = [
      ['API transfer (direct, prepared statements)', await apiRoundTrips('none')],
      ['API transfer (PG_POOLER=transaction)', await apiRoundTrips('transaction')],
    ];
    await closeDb();
    const plainOne = postgres(proxy.url, { max: 1, onnotice: () => {} });
    try {
      roundTrips.push(['plain SQL transfer', await roundTripsOf(proxy, () => viaSql(plainOne, 0, 1))]);
    } finally {
      await plainOne.end({ timeout: 5 });
    }

    const out: string[] = [];
    out.push(
      '',
      'wallet transfers (POST /api/wallet/transfers in-process, vs the same ledger transfer as plain SQL via postgres.js)',
      `Postgres ${settings!.version}, fsync=${settings!.fsync}, synchronous_commit=${settings!.sync}: ${scratch.describe}`,
      `${WORKERS} concurrent workers, API pool PG_POOL_MAX=${WORKERS}, plain pool max=${WORKERS}; ${WARMUP_SECONDS} s warm-up + ${MEASURE_SECONDS} s measured per row; Node ${process.versions.node}, ${availableParallelism()} CPUs`,
      '',
      `${left('scenario', 13)}${left('path', 11)}${right('transfers', 10)}${right('per s', 9)}${right('p50 ms', 9)}${right('p95 ms', 9)}${right('node CPU %', 12)}${right('errors', 8)}`,
    );
    for (const { scenario, api, sql } of results) {
      for (const [path, s] of [['API', api], ['plain SQL', sql]] as const) {
        out.push(`${left(scenario, 13)}${left(path, 11)}${num(s.transfers, 10)}${num(s.perSecond, 9, 1)}${num(s.p50, 9, 1)}${num(s.p95, 9, 1)}${num(s.nodeCpu, 12)}${num(s.errors, 8)}`);
      }
      out.push(`${left('', 13)}${left('API/plain', 11)}${left('', 10)}${num(api.perSecond / sql.perSecond, 9, 2)}`);
    }
    const failures = results.flatMap(({ scenario, api, sql }) => [
      ...(api.firstError ? [`  ${scenario} API, first error: ${api.firstError}`] : []),
      ...(sql.firstError ? [`  ${scenario} plain SQL, first error: ${sql.firstError}`] : []),
    ]);
    out.push(...failures);
    out.push(
      '',
      `database round trips per transfer (counting proxy, warm connection, ${ROUND_TRIP_SAMPLES} single transfers each)`,
      `${left('', 46)}${left('Sync+Query+Flush', 18)}client flights`,
    );
    for (const [label, samples] of roundTrips) {
      const show = (pick: (r: RoundTrips) => number) => [...new Set(samples.map(pick))].join(' / ');
      out.push(`${left(label, 46)}${left(show((r) => r.messages), 18)}${show((r) => r.flights)}`);
    }
    console.log(out.join('\n'));
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error) => console.warn(`cleanup failed: ${error}`));
    }
  }
};
