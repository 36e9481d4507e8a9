/**
 * A key whose first request is still running: a duplicate waits for it up to
 * the lock timeout, then gets 409. Its own file (so its own worker), with a
 * short lock timeout and a fresh pool.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { closeDb, db } from '../../lib/db';
import { newFan } from '../support/fans';
import { key, send } from '../support/wallet';

beforeAll(async () => {
  vi.stubEnv('PG_LOCK_TIMEOUT_MS', '300');
  await closeDb();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await closeDb();
});

it('answers 409 while the first request with the key has not finished, then replays it', async () => {
  const [ana, bob] = [await newFan(), await newFan()];
  const k = key();
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  let claimed!: () => void;
  const isClaimed = new Promise<void>((r) => (claimed = r));
  // Stands for a first request that has claimed the key and is still working.
  const first = db().begin(async (sql) => {
    await sql`insert into idempotency_keys (user_id, key, fingerprint) values (${ana.id}, ${k}, 'first')`;
    claimed();
    await finished;
    await sql`delete from idempotency_keys where user_id = ${ana.id} and key = ${k}`;
  });
  await isClaimed;
  const duplicate = await send(ana, bob.id, 100, k);
  expect(duplicate.status).toBe(409);
  expect(duplicate.body.type).toBe('/problems/idempotency-in-flight');
  finish();
  await first;
  // The first gave up (rolled back): the key is free, and this request now runs.
  expect((await send(ana, bob.id, 100, k)).status).toBe(422);
});
