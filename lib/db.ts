import postgres from 'postgres';
import { config } from './config';
import { logger } from './log';

export type Sql = postgres.Sql;
/** A transaction that can defer work (cache invalidation) until it commits. */
export type Tx = postgres.TransactionSql & { afterCommit(fn: () => Promise<unknown> | unknown): void };

let client: Sql | undefined;

/**
 * Seconds before a closed connection opens again, given how many closes with
 * an error postgres.js has counted, for the whole pool at once. Its own delay
 * grows to 20 s, so that after one cut of several connections a query queued
 * meanwhile waited for a reopening past its function's deadline (seen in the
 * fault drill: 7 and 18 s). It still grows, from 10 ms, against a database
 * refusing connections, but never past a second.
 */
export const reconnectDelay = (closes: number): number => Math.min(0.01 * 2 ** closes, 1) * (0.5 + Math.random() / 2);

const timeouts = () => ({
  statement_timeout: config.statementTimeoutMs(),
  // A lock wait this long means the account is busy: answer rather than pile up.
  lock_timeout: config.lockTimeoutMs(),
  idle_in_transaction_session_timeout: config.statementTimeoutMs() * 2,
});

/**
 * The container's one client, created on first use and kept across warm
 * invocations. int8 is parsed to number: money is integer cents, far below
 * 2^53, and JSON has no bigint.
 */
export const db = (): Sql => {
  if (client) return client;
  const url = config.databaseUrl();
  if (!url) throw new DatabaseUnavailable('DATABASE_URL is not set');
  const pooled = config.dbBehindPooler();
  client = postgres(url, {
    max: config.dbPoolMax(),
    // Given back after 2 s unused: after a burst, every container that served
    // it would otherwise keep its connection while Postgres refuses others.
    idle_timeout: 2,
    connect_timeout: 5,
    backoff: reconnectDelay,
    max_lifetime: 60 * 30,
    prepare: !pooled,
    onnotice: () => {},
    types: { bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) } },
    connection: pooled ? { application_name: 'paiecashfan-api' } : { application_name: 'paiecashfan-api', ...timeouts() },
  });
  return client;
};

/** Closes the pool (tests, scripts); the next `db()` opens a new one. */
export const closeDb = async (): Promise<void> => {
  const current = client;
  client = undefined;
  await current?.end({ timeout: 5 });
};

export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
const UNAVAILABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
  '57P01', '57P02', '57P03', // admin / crash shutdown, cannot connect now
  '53300', // too many connections
  '57014', // statement timeout
]);

/** A lock waited on past the lock timeout: something is busy, not down. */
export const isLockTimeout = (error: unknown): boolean => pgCode(error) === '55P03';

/** True for errors that mean "the database cannot serve now" (answered 503). */
export const isUnavailable = (error: unknown): boolean =>
  error instanceof DatabaseUnavailable ||
  (typeof error === 'object' && error !== null && UNAVAILABLE.has(String((error as { code?: unknown }).code)));

export const pgCode = (error: unknown): string | undefined =>
  error instanceof postgres.PostgresError ? error.code : undefined;

const MAX_ATTEMPTS = 4;

/**
 * Runs `fn` again, a bounded number of times with jitter, when Postgres
 * chose it as the victim of a serialization failure or a deadlock.
 */
export const retrying = async <T>(fn: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = pgCode(error);
      if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
      logger.warn('retrying transaction', { code, attempt });
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
};

/**
 * Runs `fn` in one transaction, retried as `retrying` says; `afterCommit`
 * callbacks run only once the commit has succeeded, so a cache is never
 * cleared for a write that did not happen. `mode` is what BEGIN takes
 * beside it (an isolation level, `read only`).
 */
export const tx = <T>(fn: (sql: Tx) => Promise<T>, mode = ''): Promise<T> =>
  retrying(async () => {
    const pending: Array<() => Promise<unknown> | unknown> = [];
    const result = (await db().begin(mode, async (sql) => {
      const t = sql as Tx;
      t.afterCommit = (cb) => void pending.push(cb);
      if (config.dbBehindPooler()) await setLocalTimeouts(t);
      return fn(t);
    })) as T;
    for (const cb of pending) await cb();
    return result;
  });

/**
 * A one-row subquery that sets the timeouts for the transaction of the
 * statement it is joined into (`from ${localTimeouts(sql)}`). Behind a
 * transaction pooler a statement outside `tx` has no session settings to
 * rely on, and would wait on a lock for as long as the lock is held: this
 * runs first (its one row feeds the statement; OFFSET 0 keeps it a subquery
 * of its own), so a lock waited on past the timeout fails as it does on a
 * direct connection. There, the connection's settings already apply.
 */
export const localTimeouts = (sql: Sql) =>
  config.dbBehindPooler() ? sql`(select ${timeoutSettings(sql)} offset 0) as settings` : sql`(select) as settings`;

/** Behind a transaction pooler the server connection is shared: settings last one transaction. */
const setLocalTimeouts = (sql: Tx) => sql`select ${timeoutSettings(sql)}`;

/** The connection's timeouts, set for the current transaction only. */
const timeoutSettings = (sql: Sql | Tx) => {
  const t = timeouts();
  return sql`
    set_config('statement_timeout', ${String(t.statement_timeout)}, true),
    set_config('lock_timeout', ${String(t.lock_timeout)}, true),
    set_config('idle_in_transaction_session_timeout', ${String(t.idle_in_transaction_session_timeout)}, true)`;
};
