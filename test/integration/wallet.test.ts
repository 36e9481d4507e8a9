import { describe, expect, it } from 'vitest';
import { handler as requestCancel } from '../../functions/wallet/request-cancel';
import { handler as requestCreate } from '../../functions/wallet/request-create';
import { handler as requestDecline } from '../../functions/wallet/request-decline';
import { handler as requestList } from '../../functions/wallet/request-list';
import { handler as requestPay } from '../../functions/wallet/request-pay';
import { handler as transactions } from '../../functions/wallet/transactions';
import { handler as balance } from '../../functions/wallet/balance';
import { keys } from '../../lib/cache';
import { db } from '../../lib/db';
import { purgeExpiredKeys } from '../../lib/http/idempotency';
import { LIMITS } from '../../lib/rate-limit';
import { redis } from '../../lib/redis';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { balanceOf, deposit, key, send } from '../support/wallet';

const ask = (requester: Fan, from: string, amount: number, note?: string) =>
  invoke(requestCreate, { path: '/api/wallet/requests', token: requester.token, body: { from, amount, ...(note ? { note } : {}) } });

const act = (handler: unknown, action: string, fan: Fan, id: string, idempotencyKey?: string) =>
  invoke(handler, {
    path: `/api/wallet/requests/${id}/${action}`,
    method: 'POST',
    token: fan.token,
    params: { id },
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  });

describe('balance and deposits', () => {
  it('starts at zero, tops up, and reads its own write at once', async () => {
    const fan = await newFan();
    const before = await invoke(balance, { path: '/api/wallet/balance', token: fan.token });
    expect(before.body).toEqual({ balance: 0, currency: 'EUR', display: '0.00', assets: { collectibles: [], points: 0 } });
    const dep = await deposit(fan, 8999);
    expect(dep.status).toBe(201);
    expect(dep.body).toMatchObject({ amount: 8999, display: '89.99', status: 'succeeded', balance: 8999, method: 'card' });
    expect(await balanceOf(fan)).toBe(8999);
  });

  it('refuses a deposit over €1,000 and past €2,000 in a rolling day, naming the limit', async () => {
    const fan = await newFan();
    const big = await deposit(fan, 100_001);
    expect(big.status).toBe(422);
    expect(big.body).toMatchObject({ type: '/problems/deposit-limit', limit: 100_000 });
    expect(big.body.detail).toContain('€1,000.00');
    expect((await deposit(fan, 100_000)).status).toBe(201);
    expect((await deposit(fan, 90_000)).status).toBe(201);
    const over = await deposit(fan, 10_001);
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ type: '/problems/daily-deposit-limit', remaining: 10_000 });
    expect(await balanceOf(fan)).toBe(190_000);
  });

  it('refuses zero, negative and fractional amounts with 400', async () => {
    const fan = await newFan();
    for (const amount of [0, -5, 10.5]) expect((await deposit(fan, amount)).status).toBe(400);
  });

  it('requires an Idempotency-Key of 1 to 255 characters', async () => {
    const fan = await newFan();
    const missing = await invoke((await import('../../functions/wallet/deposit')).handler, {
      path: '/api/wallet/deposit', token: fan.token, body: { amount: 100, method: 'card' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('headers.idempotency-key');
    expect((await deposit(fan, 100, 'k'.repeat(256))).status).toBe(400);
    expect(await balanceOf(fan)).toBe(0);
  });
});

describe('transfers', () => {
  it('moves money between fans by email or id, both balances and statements updated', async () => {
    const [ana, bob] = [await newFan({ name: 'Ana' }), await newFan({ name: 'Bob' })];
    await deposit(ana, 5000);
    const paid = await send(ana, bob.email.toUpperCase(), 1250, key(), 'pizza');
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ amount: 1250, to: { id: bob.id, name: 'Bob' }, note: 'pizza', balance: 3750 });
    expect((await send(ana, bob.id, 750)).status).toBe(201);
    expect(await balanceOf(ana)).toBe(3000);
    expect(await balanceOf(bob)).toBe(2000);

    const statement = await invoke(transactions, { path: '/api/wallet/transactions', token: bob.token });
    expect(statement.body.items.map((e: { type: string; amount: number }) => [e.type, e.amount])).toEqual([['receive', 750], ['receive', 1250]]);
    expect(statement.body.items[1]).toMatchObject({ counterparty: { kind: 'fan', name: 'Ana' }, metadata: { note: 'pizza' }, balance_after: 1250 });
    const own = await invoke(transactions, { path: '/api/wallet/transactions', token: ana.token, query: { type: 'deposit' } });
    expect(own.body.items[0].counterparty).toEqual({ kind: 'platform', name: 'Card top-up' });
    expect(JSON.stringify(statement.body)).not.toContain(ana.email);
  });

  it("caches both fans' new balances as the payment commits, and drops their statements", async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 5000);
    expect(await balanceOf(bob)).toBe(0); // cached before the payment
    expect((await send(ana, bob.id, 1250)).status).toBe(201);
    const cache = redis()!;
    expect(await cache.get(keys.walletBalance(ana.id).key)).toMatchObject({ balance: 3750, display: '37.50' });
    expect(await cache.get(keys.walletBalance(bob.id).key)).toMatchObject({ balance: 1250, display: '12.50' });
    expect(await cache.get(keys.transactions(ana.id).key)).toBeNull();
    expect(await cache.get(keys.transactions(bob.id).key)).toBeNull();
    expect(await balanceOf(bob)).toBe(1250);
  });

  it('refuses self, unknown fans, over €1,000 and insufficient funds, leaving nothing behind', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 1000);
    expect((await send(ana, ana.email, 10)).body.type).toBe('/problems/self-transfer');
    expect((await send(ana, ana.id, 10)).status).toBe(422);
    expect((await send(ana, 'nobody@example.test', 10)).status).toBe(404);
    expect((await send(ana, bob.id, 100_001)).body.type).toBe('/problems/transfer-limit');
    const poor = await send(ana, bob.id, 1001);
    expect(poor.status).toBe(422);
    expect(poor.body).toMatchObject({ type: '/problems/insufficient-funds', balance: 1000, required: 1001 });
    expect(await balanceOf(ana)).toBe(1000);
    expect(await balanceOf(bob)).toBe(0);
  });

  it('refuses control characters in notes and fan references with 400, not a database error', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 100);
    const note = await send(ana, bob.id, 10, key(), 'nul\u0000byte');
    expect(note.status).toBe(400);
    expect(note.body.errors[0]).toEqual({ path: 'body.note', message: 'Must not contain control or invisible formatting characters' });
    expect((await send(ana, `${bob.email}\u0000`, 10)).status).toBe(400);
    expect((await ask(ana, bob.id, 10, 'tab\there')).status).toBe(400);
    // A right-to-left override would let a note or a name read as something else.
    expect((await send(ana, bob.id, 10, key(), 'pay\u202Eyap')).status).toBe(400);
    expect(await balanceOf(ana)).toBe(100);
  });

  it('pages statements with an opaque cursor and filters by type', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 1000);
    for (let i = 1; i <= 5; i++) await send(ana, bob.id, i);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const res = await invoke(transactions, { path: '/api/wallet/transactions', token: ana.token, query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((e: { amount: number }) => e.amount));
      cursor = res.body.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([-5, -4, -3, -2, -1, 1000]);
    const sends = await invoke(transactions, { path: '/api/wallet/transactions', token: ana.token, query: { type: 'deposit' } });
    expect(sends.body.items).toHaveLength(1);
    const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const cursor of ['bm9wZQ', forged([1.5]), forged([-1e300]), forged(['1'])]) {
      const bad = await invoke(transactions, { path: '/api/wallet/transactions', token: ana.token, query: { cursor } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe('query.cursor');
    }
    for (const cursor of [forged(['not a date', 'x']), forged(['2026-01-01 00:00:00+00', 'not-a-uuid'])]) {
      expect((await invoke(requestList, { path: '/api/wallet/requests', token: ana.token, query: { cursor } })).status).toBe(400);
    }
    expect((await invoke(transactions, { path: '/api/wallet/transactions', token: ana.token, query: { limit: '101' } })).status).toBe(400);
  });
});

describe('idempotency', () => {
  it('replays the first outcome byte for byte, refuses a different body with 422', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 1000);
    const k = key();
    const first = await send(ana, bob.id, 100, k);
    const again = await send(ana, bob.id, 100, k);
    expect(again.status).toBe(201);
    expect(again.raw).toBe(first.raw);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const other = await send(ana, bob.id, 200, k);
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('/problems/idempotency-key-reused');
    expect(await balanceOf(ana)).toBe(900);
  });

  it('stores a refusal as the outcome too', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const k = key();
    const first = await send(ana, bob.id, 100, k);
    expect(first.status).toBe(422);
    await deposit(ana, 1000);
    const replay = await send(ana, bob.id, 100, k);
    expect(replay.status).toBe(422);
    expect(replay.raw).toBe(first.raw);
    expect(replay.headers['content-type']).toBe('application/problem+json');
  });

  it('forgets keys after 24 hours: reusable, then purged', async () => {
    const fan = await newFan();
    const k = key();
    expect((await deposit(fan, 100, k)).status).toBe(201);
    await db()`update idempotency_keys set created_at = now() - interval '25 hours' where user_id = ${fan.id}`;
    const reused = await deposit(fan, 200, k);
    expect(reused.status).toBe(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    await db()`update idempotency_keys set created_at = now() - interval '25 hours' where user_id = ${fan.id}`;
    expect(await purgeExpiredKeys()).toBeGreaterThanOrEqual(1);
    expect(await db()`select 1 from idempotency_keys where user_id = ${fan.id}`).toHaveLength(0);
  });

  it('a key past its 24 hours is free again, whether the new request succeeds or is refused', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 500);
    const k = key();
    expect((await send(ana, bob.id, 500, k)).status).toBe(201);
    await db()`update idempotency_keys set created_at = now() - interval '25 hours' where user_id = ${ana.id}`;
    const refusedNow = await send(ana, bob.id, 500, k);
    expect(refusedNow.status).toBe(422);
    expect(refusedNow.body.type).toBe('/problems/insufficient-funds');
    expect(refusedNow.headers['idempotent-replayed']).toBeUndefined();
    expect((await send(ana, bob.id, 500, k)).raw).toBe(refusedNow.raw);
  });

  it('scopes keys per user', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const k = key();
    expect((await deposit(ana, 100, k)).status).toBe(201);
    const theirs = await deposit(bob, 100, k);
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  });

  it('the same key sent 20 times at once moves money once and answers 20 identical bodies', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 1000);
    const k = key();
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(ana, bob.id, 100, k)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.raw)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
    expect(await balanceOf(ana)).toBe(900);
    expect(await balanceOf(bob)).toBe(100);
  });
});

describe('concurrency', () => {
  it('50 simultaneous transfers draining one wallet: exactly floor(balance / amount) succeed', async () => {
    const ana = await newFan();
    const others = await Promise.all(Array.from({ length: 5 }, () => newFan()));
    await deposit(ana, 1000);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => send(ana, others[i % 5]!.id, 70)));
    const ok = answers.filter((a) => a.status === 201).length;
    expect(ok).toBe(Math.floor(1000 / 70));
    expect(answers.filter((a) => a.status === 422).every((a) => a.body.type === '/problems/insufficient-funds')).toBe(true);
    expect(ok + answers.filter((a) => a.status === 422).length).toBe(50);
    expect(await balanceOf(ana)).toBe(1000 - ok * 70);
  });

  it("the cached balance is never left behind: one fan's deposits and payments racing payments to them, 5 rounds", async () => {
    const ana = await newFan();
    const friends = await Promise.all(Array.from({ length: 4 }, () => newFan()));
    await Promise.all(friends.map((f) => deposit(f, 50_000)));
    await deposit(ana, 10_000);
    for (let round = 0; round < 5; round++) {
      expect(await balanceOf(ana)).toBeGreaterThan(0); // cached before each round
      const answers = await Promise.all([
        ...Array.from({ length: 8 }, () => deposit(ana, 100)),
        ...Array.from({ length: 8 }, (_, i) => send(ana, friends[i % 4]!.id, 30)),
        ...Array.from({ length: 8 }, (_, i) => send(friends[i % 4]!, ana.id, 50)),
      ]);
      expect(answers.every((a) => a.status === 201)).toBe(true);
      const [wallet] = await db()<{ balance: number }[]>`select balance from wallets where user_id = ${ana.id}`;
      expect(await balanceOf(ana), `round ${round}`).toBe(Number(wallet!.balance));
    }
  });

  it('opposite transfers between the same two wallets never deadlock', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(ana, 5000);
    await deposit(bob, 5000);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? send(ana, bob.id, 10) : send(bob, ana.id, 10))));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect((await balanceOf(ana)) + (await balanceOf(bob))).toBe(10_000);
  });
});

describe('money requests', () => {
  it('request → pay once (idempotent) → both sides see it settled', async () => {
    const [ana, bob] = [await newFan({ name: 'Ana' }), await newFan({ name: 'Bob' })];
    await deposit(bob, 2000);
    const req = await ask(ana, bob.email, 1500, 'tickets');
    expect(req.status).toBe(201);
    expect(req.body).toMatchObject({ status: 'pending', amount: 1500, requester: { name: 'Ana' }, payer: { name: 'Bob' } });
    const incoming = await invoke(requestList, { path: '/api/wallet/requests', token: bob.token, query: { direction: 'incoming' } });
    expect(incoming.body.items.map((r: { id: string }) => r.id)).toEqual([req.body.id]);

    const k = key();
    const paid = await act(requestPay, 'pay', bob, req.body.id, k);
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('paid');
    expect((await act(requestPay, 'pay', bob, req.body.id, k)).raw).toBe(paid.raw);
    const twice = await act(requestPay, 'pay', bob, req.body.id, key());
    expect(twice.status).toBe(409);
    expect(await balanceOf(bob)).toBe(500);
    expect(await balanceOf(ana)).toBe(1500);
  });

  it('paid once when the payer sends 10 pays at once with different keys', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(bob, 5000);
    const req = (await ask(ana, bob.id, 300)).body;
    const answers = await Promise.all(Array.from({ length: 10 }, () => act(requestPay, 'pay', bob, req.id, key())));
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    expect(await balanceOf(bob)).toBe(4700);
    expect(await balanceOf(ana)).toBe(300);
  });

  it('only the payer pays or declines, only the requester cancels; others get 404', async () => {
    const [ana, bob, eve] = [await newFan(), await newFan(), await newFan()];
    await deposit(bob, 1000);
    await deposit(eve, 1000);
    const req = (await ask(ana, bob.id, 100)).body;
    expect((await act(requestPay, 'pay', eve, req.id, key())).status).toBe(404);
    expect((await act(requestPay, 'pay', ana, req.id, key())).status).toBe(404);
    expect((await act(requestDecline, 'decline', ana, req.id)).status).toBe(404);
    expect((await act(requestCancel, 'cancel', bob, req.id)).status).toBe(404);
    expect((await act(requestCancel, 'cancel', eve, req.id)).status).toBe(404);
    const declined = await act(requestDecline, 'decline', bob, req.id);
    expect(declined.body.status).toBe('declined');
    expect((await act(requestPay, 'pay', bob, req.id, key())).status).toBe(409);
    const other = (await ask(ana, bob.id, 100)).body;
    expect((await act(requestCancel, 'cancel', ana, other.id)).body.status).toBe('cancelled');
    const outgoing = await invoke(requestList, { path: '/api/wallet/requests', token: eve.token, query: { direction: 'outgoing' } });
    expect(outgoing.body.items).toEqual([]);
  });

  it('a request expires after 7 days and can no longer be paid', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    await deposit(bob, 1000);
    const req = (await ask(ana, bob.id, 100)).body;
    await db()`update money_requests set created_at = now() - interval '8 days', expires_at = now() - interval '1 day' where id = ${req.id}`;
    const res = await act(requestPay, 'pay', bob, req.id, key());
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('/problems/request-expired');
    const list = await invoke(requestList, { path: '/api/wallet/requests', token: bob.token, query: { status: 'expired' } });
    expect(list.body.items.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([[req.id, 'expired']]);
    expect(await balanceOf(bob)).toBe(1000);
  });

  it('limits how many requests a fan makes per hour', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const allowed = LIMITS['money-request-user'].tokens;
    for (let i = 0; i < allowed; i++) expect((await ask(ana, bob.id, 1)).status).toBe(201);
    const over = await ask(ana, bob.id, 1);
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('refuses requests to oneself and to unknown fans', async () => {
    const ana = await newFan();
    expect((await ask(ana, ana.email, 100)).status).toBe(422);
    expect((await ask(ana, 'ghost@example.test', 100)).status).toBe(404);
  });
});
