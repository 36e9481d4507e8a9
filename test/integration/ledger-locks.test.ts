/**
 * ledger_lock (migration 003), and ledger_lock_fans (027) as transfers
 * between fans lock, under a queue of waiters, on a small table Postgres has no
 * statistics for yet (a new deployment): it picked a hash semi-join there,
 * and re-checking a locked row that others had changed meanwhile dropped it
 * (74 of 480 locks in one run). Its own database, so the plan is that one.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dropDatabase, ensureDatabase } from '../../scripts/local-services';
import { prepareDatabase } from '../../scripts/migrate';

const name = `pcf_locks_${randomBytes(4).toString('hex')}`;
let sql: postgres.Sql;

beforeAll(async () => {
  const url = await ensureDatabase(process.env.DATABASE_URL!, name);
  await prepareDatabase(url, false);
  sql = postgres(url, { max: 16, onnotice: () => {} });
  await sql`insert into users (email, password, name) select 'fan' || g || '@example.test', 'x', 'Fan' from generate_series(1, 33) g`;
  await sql`insert into wallets (user_id, balance) select id, 10000 from users`;
});

afterAll(async () => {
  await sql?.end();
  await dropDatabase(process.env.DATABASE_URL!, name);
});

/** Each lock as its movements call it, answering the user ids of the wallets it locked. */
const locks: [string, (t: postgres.TransactionSql, hot: string, other: string) => Promise<(string | null)[]>][] = [
  ['ledger_lock', async (t, hot, other) => (await t<{ user_id: string }[]>`select * from ledger_lock(${[hot, other]}::uuid[], '{}', '{}', 0)`).map((a) => a.user_id)],
  ['ledger_lock_fans', async (t, hot, other) => {
    const [pair] = await t<{ mine: string | null; theirs: string | null }[]>`select (mine).user_id as mine, (theirs).user_id as theirs from ledger_lock_fans(${other}, ${hot})`;
    return [pair!.mine, pair!.theirs];
  }],
];

it.each(locks)('%s returns the hot wallet to every one of 16 queued lockers', async (_, lock) => {
  const [hot, ...others] = (await sql<{ id: string }[]>`select id from users order by email limit 17`).map((r) => r.id);
  let missing = 0;
  await Promise.all(
    others.map(async (other) => {
      for (let i = 0; i < 30; i++) {
        await sql.begin(async (t) => {
          const locked = await lock(t, hot!, other);
          if (!locked.includes(hot!) || !locked.includes(other)) return void missing++;
          await t`
            update wallets w set balance = w.balance + d.amount
            from unnest(${[hot!, other]}::uuid[], ${[-1, 1]}::bigint[]) as d (user_id, amount)
            where w.user_id = d.user_id`;
        });
      }
    }),
  );
  expect(missing).toBe(0);
  const [hotWallet] = await sql`select balance from wallets where user_id = ${hot!}`;
  await sql`update wallets set balance = 10000`;
  expect(hotWallet!.balance).toBe(String(10000 - 16 * 30));
});
