import { createHash } from 'node:crypto';
import { db, isLockTimeout, tx, type Tx } from '../db';
import { badRequest, conflict, ProblemError, refused } from './problem';
import type { Reply } from './route';

/** An outcome as stored and replayed: the status and the exact body bytes. */
export type Outcome = { status: number; body: string; replayed: boolean };

export type IdempotencyScope = { userId: string; key: string; method: string; path: string; body: unknown };

export const KEY_TTL = '24 hours';

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

const fingerprintOf = (scope: IdempotencyScope): string =>
  createHash('sha256').update(JSON.stringify([scope.method, scope.path, canonical(scope.body ?? null)])).digest('hex');

export const serialize = (body: unknown): string => (body === undefined ? '' : JSON.stringify(body));

const inFlight = () => conflict('idempotency-in-flight', 'A request with this Idempotency-Key is still being processed; retry later.');

/** Claims the key, or finds it taken: a row past its 24 hours is free again. */
const claim = (sql: Tx, scope: IdempotencyScope, fingerprint: string, outcome?: Omit<Outcome, 'replayed'>) => sql`
  insert into idempotency_keys (user_id, key, fingerprint, status, body)
  values (${scope.userId}, ${scope.key}, ${fingerprint}, ${outcome?.status ?? null}, ${outcome?.body ?? null})
  on conflict (user_id, key) do update
    set fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body, created_at = now()
    where idempotency_keys.created_at < now() - ${KEY_TTL}::interval
  returning 1`;

/**
 * Runs `work` at most once per (user, key), Stripe-style. The key is claimed
 * by an INSERT inside the same transaction as the work and its outcome, so
 * the claim, the movement and the stored answer commit or vanish together,
 * and a crash leaves no key stuck "in flight". A duplicate that arrives
 * meanwhile waits on that row (up to the lock timeout), then replays the
 * stored outcome; if the first is still running by then, it gets 409.
 *
 * Refusals (4xx problems) are outcomes too. A refused request wrote nothing,
 * so its transaction is rolled back and the refusal stored right after, the
 * same way. Failures that say nothing about the request (5xx, 409, 429) store
 * nothing, and the client may retry with the key.
 */
export const idempotent = async (scope: IdempotencyScope, work: (sql: Tx) => Promise<Reply>): Promise<Outcome> => {
  const fingerprint = fingerprintOf(scope);
  // Set inside the transaction; read after it fails.
  let stage = 'claim' as 'claim' | 'work' | 'replay';
  try {
    return await tx(async (sql) => {
      stage = 'claim';
      if ((await claim(sql, scope, fingerprint)).length === 0) {
        stage = 'replay';
        return replay(sql, scope, fingerprint);
      }
      stage = 'work';
      const reply = await work(sql);
      const outcome = { status: reply.status, body: serialize(reply.body) };
      await sql`
        update idempotency_keys set status = ${outcome.status}, body = ${outcome.body}
        where user_id = ${scope.userId} and key = ${scope.key}`;
      return { ...outcome, replayed: false };
    });
  } catch (error) {
    if (stage === 'claim' && isLockTimeout(error)) throw inFlight();
    if (stage !== 'work' || !storable(error)) throw error;
    const outcome = { status: error.status, body: serialize(error.toProblem()) };
    return tx(async (sql) =>
      (await claim(sql, scope, fingerprint, outcome)).length > 0 ? { ...outcome, replayed: false } : replay(sql, scope, fingerprint),
    );
  }
};

const storable = (error: unknown): error is ProblemError =>
  error instanceof ProblemError && error.status < 500 && error.status !== 409 && error.status !== 429;

const replay = async (sql: Tx, scope: IdempotencyScope, fingerprint: string): Promise<Outcome> => {
  const [prior] = await sql<{ fingerprint: string; status: number; body: string }[]>`
    select fingerprint, status, body from idempotency_keys
    where user_id = ${scope.userId} and key = ${scope.key}`;
  if (!prior) throw inFlight();
  if (prior.fingerprint !== fingerprint) {
    throw refused('idempotency-key-reused', 'This Idempotency-Key was already used with a different request.');
  }
  return { status: prior.status, body: prior.body, replayed: true };
};

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
