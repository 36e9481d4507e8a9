/**
 * The movement primitive (lib/wallet/movement.ts, migration 003) beyond what
 * the wallet's own tests cover: the round trips it costs, a refusal decided
 * before any lock, and keys stored before it existed.
 */
import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as requestCreate } from '../../functions/wallet/request-create';
import { handler as requestPay } from '../../functions/wallet/request-pay';
import { mirrorVoids } from '../../lib/auth/revocation';
import { closeDb, db } from '../../lib/db';
import { fingerprintOf } from '../../lib/http/idempotency';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { startPgProxy, type PgProxy } from '../support/pg-proxy';
import { deposit, key, send } from '../support/wallet';

describe('round trips to Postgres per movement', () => {
  let proxy: PgProxy;
  let ana: Fan;
  let bob: Fan;
  beforeAll(async () => {
    // As on a running stage, where the minute job has vouched for Redis's copies of ended sessions: a request's
    // token is then checked in Redis alone, not also in Postgres as while Redis is new.
    await mirrorVoids();
    [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 10_000);
    proxy = await startPgProxy(process.env.DATABASE_URL!);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await closeDb();
    await proxy.close();
  });

  const pay = async () => {
    const asked = await invoke(requestCreate, { path: '/api/wallet/requests', token: bob.token, body: { from: ana.id, amount: 1 } });
    const id = asked.body.id as string;
    return () => invoke(requestPay, { path: `/api/wallet/requests/${id}/pay`, method: 'POST', token: ana.token, params: { id }, headers: { 'idempotency-key': key() } });
  };

  for (const pooler of ['none', 'transaction']) {
    it(`is at most 3 for a transfer, a deposit and a request payment (PG_POOLER=${pooler})`, async () => {
      vi.stubEnv('DATABASE_URL', proxy.url);
      vi.stubEnv('PG_POOL_MAX', '1');
      vi.stubEnv('PG_POOLER', pooler);
      await closeDb();
      const movements: Array<[string, () => Promise<() => Promise<{ status: number }>>]> = [
        ['transfer', async () => () => send(ana, bob.id, 1)],
        ['deposit', async () => () => deposit(ana, 1)],
        ['request payment', pay],
      ];
      for (const [name, prepare] of movements) {
        // Warm: the connection is open and, without a pooler, the statement prepared.
        await (await prepare())();
        const once = await prepare();
        let status = 0;
        const trips = await proxy.count(async () => void ({ status } = await once()));
        expect(status, name).toBeLessThan(300);
        expect(trips.messages, name).toBeLessThanOrEqual(pooler === 'none' ? 1 : 2);
      }
    });
  }
});

describe('a refusal decided before any lock', () => {
  it('is stored like any outcome: replayed byte for byte, and the key cannot carry another payment', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 1000);
    const k = key();
    const first = await send(ana, bob.id, 100_001, k);
    expect(first.status).toBe(422);
    expect(first.body.type).toBe('/problems/transfer-limit');
    const again = await send(ana, bob.id, 100_001, k);
    expect(again.raw).toBe(first.raw);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe('application/problem+json');
    expect((await send(ana, bob.id, 100, k)).body.type).toBe('/problems/idempotency-key-reused');
  });
});

describe('a key stored before movements stored their facts', () => {
  it('replays the body it was stored with, as it was', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const k = randomUUID();
    // As the transfer route rendered it then, byte for byte (key order included).
    const body = JSON.stringify({
      id: randomUUID(), amount: 100, currency: 'EUR', display: '1.00', to: { id: bob.id, name: 'Bob' }, note: null, balance: 900, created_at: '2026-01-02T03:04:05.000Z',
    });
    const fingerprint = fingerprintOf('POST', '/api/wallet/transfers', { to: bob.id, amount: 100 });
    await db()`insert into idempotency_keys (user_id, key, fingerprint, status, body) values (${ana.id}, ${k}, ${fingerprint}, 201, ${body})`;
    const replay = await send(ana, bob.id, 100, k);
    expect(replay.status).toBe(201);
    expect(replay.raw).toBe(body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('replays an outcome stored before migration 027, its transfer reported as entries, with the balance of the fan its last entry', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const k = randomUUID();
    const transferId = randomUUID();
    const result = {
      transfer_id: transferId,
      created_at: '2026-01-02T03:04:05.678+00:00',
      entries: [
        { id: randomUUID(), wallet_id: randomUUID(), user_id: ana.id, balance_after: 900 },
        { id: randomUUID(), wallet_id: randomUUID(), user_id: bob.id, balance_after: 100 },
      ],
      to: { id: bob.id, name: 'Bob' },
    };
    const fingerprint = fingerprintOf('POST', '/api/wallet/transfers', { to: bob.id, amount: 100 });
    await db()`insert into idempotency_keys (user_id, key, fingerprint, status, result) values (${ana.id}, ${k}, ${fingerprint}, 201, ${db().json(result)})`;
    const replay = await send(ana, bob.id, 100, k);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toMatchObject({ id: transferId, amount: 100, balance: 900, to: { id: bob.id, name: 'Bob' }, created_at: '2026-01-02T03:04:05.678Z' });
  });

  it('takes a key claimed the way before migration 027, its outcome not yet stored, as still in flight: 409, and nothing moves', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 1_000);
    const k = randomUUID();
    const fingerprint = fingerprintOf('POST', '/api/wallet/transfers', { to: bob.id, amount: 100 });
    await db()`insert into idempotency_keys (user_id, key, fingerprint) values (${ana.id}, ${k}, ${fingerprint})`;
    const duplicate = await send(ana, bob.id, 100, k);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.type).toBe('/problems/idempotency-in-flight');
    const [wallet] = await db()`select balance from wallets where user_id = ${ana.id}`;
    expect(Number(wallet!.balance)).toBe(1_000);
  });
});

describe("what a movement asks of Postgres (migration 026)", () => {
  it('inlines the SQL helpers where a movement calls them, rather than parsing and planning each call', async () => {
    const sql = db();
    // Constant arguments: one that calls a volatile function is never inlined, helper or not.
    const account = `row('${randomUUID()}'::uuid, '${randomUUID()}'::uuid, null, 'fan@example.com', 'Fan', 100, false)::ledger_account`;
    const plan = await sql.unsafe(`
      explain (verbose, costs off)
      select ledger_shortfall(${account}, 500), ledger_leg(${account}, 'send', -5, ${account}, '{}'),
             money_display(1234), payment_event_outcome('credited')`);
    const text = plan.map((row) => row['QUERY PLAN'] as string).join('\n');
    for (const helper of ['ledger_shortfall', 'ledger_leg', 'money_display', 'payment_event_outcome']) expect(text, helper).not.toContain(helper);
  });

  it("keeps a movement's plans once per connection, with index scans, for its whole transaction (migrations 026, 027)", async () => {
    const fan = await newFan();
    const claim = { user_id: fan.id, key: key(), fingerprint: 'f', ttl: '24 hours', lock_timeout: '1000' };
    const rollback = new Error('rollback');
    const settings = (sql: Sql | TransactionSql) =>
      sql<{ mode: string; bitmap: string }[]>`select current_setting('plan_cache_mode') as mode, current_setting('enable_bitmapscan') as bitmap`;
    let during: { mode: string; bitmap: string } | undefined;
    await db()
      .begin(async (tx) => {
        await tx`select movement_claim(${tx.json(claim)})`;
        [during] = await settings(tx);
        throw rollback;
      })
      .catch((error) => {
        if (error !== rollback) throw error;
      });
    expect(during).toEqual({ mode: 'force_generic_plan', bitmap: 'off' });
    expect((await settings(db()))[0]).toEqual({ mode: 'auto', bitmap: 'on' });
  });
});

describe('what a movement keeps where it reads it (migration 027)', () => {
  it("keeps on each wallet the sequence of its newest entry, whichever movement wrote it, and reads the balances back with it", async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 5_000);
    expect((await send(ana, bob.id, 700)).status).toBe(201);
    expect((await send(bob, ana.id, 200)).status).toBe(201);
    const wallets = await db()<{ user_id: string; entry_seq: string; newest: string }[]>`
      select w.user_id, w.entry_seq, (select max(t.seq) from transactions t where t.wallet_id = w.id) as newest
      from wallets w where w.user_id in (${ana.id}, ${bob.id})`;
    expect(wallets).toHaveLength(2);
    for (const wallet of wallets) expect(wallet.entry_seq).toBe(wallet.newest);
    const [{ views }] = (await db()`select wallet_views(${db().json([ana.id, bob.id])}) as views`) as unknown as [{ views: Record<string, { seq: number; balance: number }> }];
    expect(views[ana.id]).toMatchObject({ balance: 4_500, seq: Number(wallets.find((w) => w.user_id === ana.id)!.newest) });
    expect(views[bob.id]).toMatchObject({ balance: 500, seq: Number(wallets.find((w) => w.user_id === bob.id)!.newest) });
  });

  it("checks a key's length in Postgres too, by its type", async () => {
    const fan = await newFan();
    for (const k of ['', 'k'.repeat(256)]) {
      await expect(db()`insert into idempotency_keys (user_id, key, fingerprint) values (${fan.id}, ${k}, 'f')`).rejects.toMatchObject({ code: '23514' });
    }
  });
});
