/**
 * The proxy's drill: the COMMIT reaches Postgres, its answer does not reach
 * the client. postgres.js sends `commit` as a cached prepared statement after
 * the first transaction (a Bind only), or as an unnamed Parse with
 * `prepare: false`; both must be caught.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { startPgProxy, type PgProxy } from '../support/pg-proxy';

const opened: postgres.Sql[] = [];
const proxies: PgProxy[] = [];
const client = (url: string, options: postgres.Options<{}> = {}) => {
  const sql = postgres(url, { onnotice: () => {}, ...options });
  opened.push(sql);
  return sql;
};

afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.end({ timeout: 1 })));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

describe('pg proxy', () => {
  for (const prepare of [true, false]) {
    it(`loses the answer of a COMMIT the server applied (prepare: ${prepare})`, async () => {
      const direct = client(process.env.DATABASE_URL!, { max: 1 });
      const table = `pg_proxy_${randomBytes(4).toString('hex')}`;
      await direct`create table ${direct(table)} (n int primary key)`;
      try {
        const proxy = await startPgProxy(process.env.DATABASE_URL!);
        proxies.push(proxy);
        const sql = client(proxy.url, { max: 1, prepare });
        const insert = (n: number) => sql.begin((tx) => tx`insert into ${tx(table)} values (${n})`);

        for (const n of [1, 2, 3]) await insert(n);
        expect(proxy.lostAnswers()).toBe(0);

        const lost = proxy.loseNextAnswer();
        const error = await insert(4).then(() => undefined, (reason: unknown) => reason as { code?: string });
        await lost;
        expect(error?.code).toMatch(/^(CONNECTION_CLOSED|ECONNRESET)$/);
        expect(proxy.lostAnswers()).toBe(1);
        const rows = await direct<{ n: number }[]>`select n from ${direct(table)} order by n`;
        expect(rows.map((row) => row.n)).toEqual([1, 2, 3, 4]);

        await insert(5);
        const [total] = await direct<{ count: number }[]>`select count(*)::int as count from ${direct(table)}`;
        expect(total?.count).toBe(5);
        expect(proxy.lostAnswers()).toBe(1);
      } finally {
        await direct`drop table if exists ${direct(table)}`;
      }
    });
  }
});
