import { badRequest } from './http/problem';
import { isUuid } from './ids';

/**
 * Opaque keyset cursors: the sort key of the last row handed out, as
 * base64url JSON. Clients must not build them; a bad one is a 400.
 */
export const encodeCursor = (key: readonly (string | number)[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** What each part of a cursor may be; anything else is not one we issued. */
const PARTS = {
  seq: (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0,
  timestamp: (v: unknown): v is string =>
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(v),
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
