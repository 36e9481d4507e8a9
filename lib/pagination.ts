import type { PendingQuery, Row } from 'postgres';
import type { Sql } from './db';
import { badRequest } from './http/problem';

/** A piece of a statement, such as a column. */
type Fragment = PendingQuery<Row[]>;
import { isUuid } from './ids';

/**
 * Opaque keyset cursors: the sort key of the last row handed out, as
 * base64url JSON. Clients must not build them; a bad one is a 400.
 */
export const encodeCursor = (key: readonly (string | number)[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** What each part of a cursor may be; anything else is not one we issued. */
const PARTS = {
  seq: (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0,
  // As Postgres prints a timestamptz; each field in its range, so that no cursor reaches the database unparseable.
  timestamp: (v: unknown): v is string =>
    typeof v === 'string' &&
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-](0\d|1[0-5])(:[0-5]\d)?$/.test(v) &&
    !Number.isNaN(Date.parse(v.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'))),
  uuid: isUuid,
  slug: (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v),
};
type Part = keyof typeof PARTS;
type Key<S extends readonly Part[]> = { [I in keyof S]: S[I] extends 'seq' ? number : string };

export const decodeCursor = <const S extends readonly Part[]>(cursor: string | undefined, shape: S): Key<S> | undefined => {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === shape.length && shape.every((part, i) => PARTS[part](key[i]))) return key as Key<S>;
  } catch {
    // fall through to the problem below
  }
  throw badRequest('The cursor is not one this API issued.', [{ path: 'query.cursor', message: 'Invalid cursor' }]);
};

/** Splits `limit + 1` fetched rows into a page and the cursor after it. */
export const page = <T>(rows: T[], limit: number, keyOf: (row: T) => readonly (string | number)[]) => {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
};

/**
 * A cursor's time as a parameter: sent as text and cast by Postgres, since
 * postgres.js sends a timestamptz parameter through a JS Date, which keeps
 * milliseconds only, and a page would then skip the rows of its last row's
 * millisecond (as designed: the library's advice is text, porsager/postgres#161).
 */
export const cursorTime = (sql: Sql, time: string): Fragment => sql`${time}::text::timestamptz`;

/**
 * Newest first on a creation time and an id, as most lists page: the
 * condition that starts a page after its cursor, the order, and the page
 * of the `limit + 1` rows fetched. Each row brings its time as Postgres
 * prints it (`created_key`): a JS Date keeps only milliseconds, and the
 * cursor must hold the microseconds.
 */
export const newestFirst = (sql: Sql, cursor: string | undefined, at: Fragment, id: Fragment) => {
  const after = decodeCursor(cursor, ['timestamp', 'uuid'] as const);
  return {
    after: after ? sql`and (${at}, ${id}) < (${cursorTime(sql, after[0])}, ${after[1]}::uuid)` : sql``,
    order: sql`order by ${at} desc, ${id} desc`,
    page: <T extends { created_key: string; id: string }>(rows: T[], limit: number) => {
      const result = page(rows, limit, (row) => [row.created_key, row.id]);
      return { items: result.items.map(({ created_key: _key, ...row }) => row), next_cursor: result.next_cursor };
    },
  };
};
