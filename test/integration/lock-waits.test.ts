/**
 * What a request does when what it needs is held by another transaction.
 * Its own file (so its own worker), with a short lock timeout and a fresh pool.
 */
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeDb, db } from '../../lib/db';
import { handler as ticketCode } from '../../functions/tickets/code';
import { handler as resaleOffer } from '../../functions/tickets/resale-offer';
import { handler as resaleWithdraw } from '../../functions/tickets/resale-withdraw';
import { shardOf } from '../../lib/wallet/ledger';
import { claimParameter } from '../../lib/wallet/movement';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { buy, newEvent, scan, steward } from '../support/tickets';
import { deposit, key, send } from '../support/wallet';

/** Runs the tests with a fresh pool under these settings (and a short lock timeout). */
const withSettings = (env: Record<string, string>, tests: () => void) => () => {
  beforeAll(async () => {
    for (const [name, value] of Object.entries({ PG_LOCK_TIMEOUT_MS: '300', ...env })) vi.stubEnv(name, value);
    await closeDb();
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await closeDb();
  });
  tests();
};

const ROLLBACK = new Error('rollback');

/** Runs `during` while another transaction holds what `lock` took; that one then rolls back. */
const whileHeld = async <T>(lock: (sql: postgres.TransactionSql) => Promise<unknown>, during: () => Promise<T>): Promise<T> => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = db()
    .begin(async (sql) => {
      await lock(sql);
      locked();
      await held;
      throw ROLLBACK;
    })
    .catch((error) => {
      if (error !== ROLLBACK) throw error;
    });
  await isLocked;
  try {
    return await during();
  } finally {
    release();
    await holder;
  }
};

const lockWaits = () => {
  it('answers 409 while the first request with the key has not finished', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const k = key();
    // Stands for a first request that has claimed the key and is still working, then gives up.
    const duplicate = await whileHeld(
      (sql) => sql`select movement_claim(${claimParameter(db(), { userId: ana.id, key: k, fingerprint: 'first' })})`,
      () => send(ana, bob.id, 100, k),
    );
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.type).toBe('/problems/idempotency-in-flight');
    // The first gave up: the key is free, and this request now runs.
    expect((await send(ana, bob.id, 100, k)).status).toBe(422);
  });

  it('a payment kept waiting on a busy wallet answers 429 with Retry-After and stores nothing', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 500);
    const k = key();
    const busy = await whileHeld((sql) => sql`select 1 from wallets where user_id = ${bob.id} for update`, () => send(ana, bob.id, 100, k));
    expect(busy.status).toBe(429);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.body.type).toBe('/problems/rate-limited');
    const retried = await send(ana, bob.id, 100, k);
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a gate scan, a resale listing and a withdrawal kept waiting on a held ticket or offer answer 429, and change nothing', async () => {
    const fan = await newFan();
    await deposit(fan, 5000);
    const event = await newEvent(10, 2000);
    const ticket = (await buy(fan, event)).body.tickets[0].id as string;
    const { code } = (await invoke(ticketCode, { path: `/api/tickets/${ticket}/qr`, token: fan.token, params: { id: ticket } })).body;
    const gate = await steward('OGC_NICE');
    const list = () => invoke(resaleOffer, { path: `/api/tickets/${ticket}/resale`, token: fan.token, params: { id: ticket }, body: { price: 1500 } });
    const holdTicket = (sql: postgres.TransactionSql) => sql`select 1 from tickets where id = ${ticket} for update`;

    const scanned = await whileHeld(holdTicket, () => scan(gate.token, code, event));
    expect(scanned.status).toBe(429);
    const listed = await whileHeld(holdTicket, list);
    expect(listed.status).toBe(429);
    const offer = (await list()).body.id as string;
    const withdraw = () => invoke(resaleWithdraw, { path: `/api/tickets/resale/${offer}`, method: 'DELETE', token: fan.token, params: { id: offer } });
    const withdrawn = await whileHeld((sql) => sql`select 1 from resale_offers where id = ${offer} for update`, withdraw);
    expect(withdrawn.status).toBe(429);

    // Each, once nothing holds the rows, goes through: nothing was half-done.
    expect((await withdraw()).body.status).toBe('withdrawn');
    expect((await scan(gate.token, code, event)).body.result).toBe('admitted');
  });

  it("a deposit does not queue behind another fan's deposit on another platform shard", async () => {
    const ana = await newFan();
    let bob: Fan;
    do bob = await newFan();
    while (shardOf(bob.id) === shardOf(ana.id));
    const res = await whileHeld(
      (sql) => sql`select 1 from wallets where system = 'card_funding' and shard = ${shardOf(ana.id)} for update`,
      () => deposit(bob, 100),
    );
    expect(res.status).toBe(201);
  });
};

describe('on a direct connection', withSettings({ PG_POOLER: 'none' }, lockWaits));
// Timeouts are then set by each transaction, not at connection start.
describe('behind a transaction pooler', withSettings({ PG_POOLER: 'transaction' }, lockWaits));
