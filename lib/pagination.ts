import { badRequest } from './http/problem';

/**
 * Opaque keyset cursors: the sort key of the last row handed out, as
 * base64url JSON. Clients must not build them; a bad one is a 400.
 */
export const encodeCursor = (key: readonly (string | number)[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

export const decodeCursor = <K extends readonly (string | number)[]>(cursor: string | undefined, shape: { [I in keyof K]: 'string' | 'number' }): K | undefined => {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === shape.length && key.every((v, i) => typeof v === shape[i])) return key as unknown as K;
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
