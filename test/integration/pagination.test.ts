/**
 * Keyset pages over a creation time: rows created in the same millisecond
 * (microseconds apart) are each listed once, across page boundaries.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { db } from '../../lib/db';
import { newestFirst } from '../../lib/pagination';

const table = `pages_${randomUUID().replaceAll('-', '')}`;

beforeAll(async () => {
  await db()`create table ${db()(table)} (id uuid primary key, created_at timestamptz not null)`;
  // Ten rows in one millisecond, microseconds apart.
  await db()`
    insert into ${db()(table)} (id, created_at)
    select gen_random_uuid(), '2026-12-04 10:00:00.123+00'::timestamptz + make_interval(secs => n / 1e6) from generate_series(1, 10) n`;
});

afterAll(async () => {
  await db()`drop table if exists ${db()(table)}`;
});

it('lists each row of one millisecond once, page after page', async () => {
  const sql = db();
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const keyset = newestFirst(sql, cursor, sql`created_at`, sql`id`);
    const rows = await sql<{ id: string; created_key: string }[]>`
      select id, created_at::text as created_key from ${sql(table)} where true ${keyset.after} ${keyset.order} limit 4`;
    const result = keyset.page(rows, 3);
    seen.push(...result.items.map((r) => r.id));
    cursor = result.next_cursor ?? undefined;
  } while (cursor);
  expect(seen).toHaveLength(10);
  expect(new Set(seen).size).toBe(10);
});
