/**
 * ledger_lock (migration 003) under a queue of waiters, on a small table Postgres has no
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

it('returns the hot wallet to every one of 16 queued lockers', async () => {
  const [hot, ...others] = (await sql<{ id: string }[]>`select id from users order by email limit 17`).map((r) => r.id);
  let missing = 0;
  await Promise.all(
    others.map(async (other) => {
      for (let i = 0; i < 30; i++) {
        await sql.begin(async (t) => {
          const accounts = await t<{ user_id: string }[]>`select * from ledger_lock(${[hot!, other]}::uuid[], '{}', '{}', 0)`;
          if (!accounts.some((a) => a.user_id === hot)) return void missing++;
          await t`
            update wallets w set balance = w.balance + d.amount
            from unnest(${[hot!, other]}::uuid[], ${[-1, 1]}::bigint[]) as d (user_id, amount)
            where w.user_id = d.user_id`;
        });
      }
    }),
  );
  expect(missing).toBe(0);
  expect((await sql`select balance from wallets where user_id = ${hot!}`)[0]!.balance).toBe(String(10000 - 16 * 30));
});
