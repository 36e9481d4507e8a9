import { createHash } from 'node:crypto';
import { db } from '../db';
import { badRequest } from './problem';
import { KEY_TTL } from './route';

export const checkKey = (key: string | undefined): string => {
  if (key === undefined) throw badRequest('This request moves money or stock: send an Idempotency-Key header.', [
    { path: 'headers.idempotency-key', message: 'Required' },
  ]);
  if (key.length < 1 || key.length > 255) throw badRequest('Idempotency-Key must be 1 to 255 characters.', [
    { path: 'headers.idempotency-key', message: 'Must be 1 to 255 characters' },
  ]);
  return key;
};

/** Key order must not make two equal bodies differ. */
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
};

export const fingerprintOf = (method: string, path: string, body: unknown): string =>
  createHash('sha256').update(JSON.stringify([method, path, canonical(body ?? null)])).digest('hex');

export const serialize = (body: unknown): string => (body === undefined ? '' : JSON.stringify(body));

/** Deletes keys past their 24 hours, a batch at a time; returns how many went. */
export const purgeExpiredKeys = async (batch = 10_000): Promise<number> => {
  let purged = 0;
  for (;;) {
    const gone = await db()`
      delete from idempotency_keys where ctid = any(array(
        select ctid from idempotency_keys where created_at < now() - ${KEY_TTL}::interval limit ${batch}))`;
    purged += gone.count;
    if (gone.count < batch) return purged;
  }
};
