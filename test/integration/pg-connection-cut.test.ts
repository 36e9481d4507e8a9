/**
 * The postgres.js defects this project patches (patches/postgres+3.4.9.patch),
 * each seen when a backend is cut (`pg_terminate_backend`, a failover, a
 * pooler restart):
 * - a write scheduled for a connection whose socket was gone threw from a
 *   timer, out of reach of any caller, and took the process down
 *   (porsager/postgres#1208, #1154; the guard of pull request #1209);
 * - queries sent between the socket's error and its close never settled, and
 *   the cut backend's FATAL error or current query carried over to the next
 *   connection on the slot: the next query failed with the old error, the
 *   reconnect backoff never reset, and the slot ended up hanging (#1130);
 * - a buffered write left its timer armed after the close, so the slot's next
 *   connection never flushed its startup message;
 * - `sql.begin()` rejected as its connection closed while its callback ran
 *   on: the callback's later queries, and its rollback, went to the slot's
 *   next connection, another session outside the transaction, and their
 *   rows could answer another caller's query there (#1216, the fix of pull
 *   request #1215).
 *
 * vitest fails a run on any uncaught exception, so the unpatched driver fails
 * here even where the awaited query itself settles.
 */
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';

const opened: postgres.Sql[] = [];
const client = (options: postgres.Options<{}> = {}) => {
  const sql = postgres(process.env.DATABASE_URL!, { onnotice: () => {}, ...options });
  opened.push(sql);
  return sql;
};

afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.end({ timeout: 1 })));
});

/** What a query on a cut connection may fail with, depending on when it meets the close. */
const GONE = /^(ECONNRESET|EPIPE|CONNECTION_(CLOSED|ENDED|DESTROYED)|57P01)$/;
const gone = (reason: unknown) => GONE.test(String((reason as { code?: unknown }).code));

/** Settles within `ms`, or says it hung. */
const within = <T>(promise: Promise<T>, ms = 5000) =>
  Promise.race([promise, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms))]);

const killer = () => {
  const admin = client({ max: 1 });
  return (pid: number) => admin`select pg_terminate_backend(${pid})`;
};

describe('a connection cut under a transaction', () => {
  for (const prepare of [true, false]) {
    it(`fails the transaction, and the next query on the slot succeeds (prepare: ${prepare})`, async () => {
      const sql = client({ max: 1, prepare });
      const cut = killer();
      // Several rounds: the close arrives as an error, a clean close or a FATAL message, by timing.
      for (let round = 0; round < 8; round++) {
        const failed = await within(
          sql.begin(async (tx) => {
            const [{ pid }] = (await tx`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
            await cut(pid);
            await tx`select 1`;
          }).then(() => 'committed', (error: unknown) => error),
        );
        expect(gone(failed), `round ${round}: ${String(failed)}`).toBe(true);
        const after = await within(sql<{ ok: number }[]>`select 1 as ok`.then((rows) => rows[0]!.ok, (error: unknown) => error));
        expect(after, `round ${round}`).toBe(1);
      }
    });
  }
});

describe('a transaction whose connection is cut while its callback runs on', () => {
  for (const prepare of [true, false]) {
    it(`rejects the callback's later queries, which never reach the slot's next connection (prepare: ${prepare})`, async () => {
      const sql = client({ max: 1, prepare });
      const cut = killer();
      for (let round = 0; round < 3; round++) {
        let release!: () => void;
        const paused = new Promise<void>((resolve) => (release = resolve));
        let late: unknown;
        const begun = sql.begin(async (tx) => {
          const [{ pid }] = (await tx`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
          await cut(pid);
          await paused;
          late = await tx`select 2 as late`.then((rows) => rows, (error: unknown) => error);
        });
        expect(gone(await within(begun.then(() => 'committed', (error: unknown) => error))), `round ${round}`).toBe(true);
        // The slot reconnects for this query while the callback is still paused.
        const after = sql<{ ok: number }[]>`select 1 as ok`.then((rows) => [...rows], (error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 20));
        release();
        expect(await within(after), `round ${round}`).toEqual([{ ok: 1 }]);
        await expect.poll(() => late, { timeout: 5000 }).toBeDefined();
        expect(gone(late), `round ${round}: ${JSON.stringify(late)}`).toBe(true);
      }
    });
  }
});

describe('a reserved connection cut between queries', () => {
  it('fails each later query on it with a catchable error instead of crashing the process', async () => {
    const sql = client({ max: 2 });
    const reserved = await sql.reserve();
    const [{ pid }] = (await reserved`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
    await killer()(pid);
    for (let i = 0; i < 3; i++) {
      const answer = await within(reserved`select 1`.then(() => 'answered', (error: unknown) => error));
      expect(gone(answer), String(answer)).toBe(true);
    }
  });
});
