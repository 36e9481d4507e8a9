/**
 * Random batches of deposits, transfers (some replayed with their key) and
 * money requests among a few fans, run concurrently through the handlers.
 * After each batch: every balance matches what the answers said happened,
 * and the ledger's invariants hold.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as requestCancel } from '../../functions/wallet/request-cancel';
import { handler as requestCreate } from '../../functions/wallet/request-create';
import { handler as requestDecline } from '../../functions/wallet/request-decline';
import { handler as requestPay } from '../../functions/wallet/request-pay';
import { db } from '../../lib/db';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { balanceOf, deposit, key, send } from '../support/wallet';

const FANS = 4;
const fan = fc.integer({ min: 0, max: FANS - 1 });

const op = fc.oneof(
  fc.record({ kind: fc.constant('deposit' as const), to: fan, amount: fc.integer({ min: 1, max: 60_000 }) }),
  fc.record({ kind: fc.constant('transfer' as const), from: fan, to: fan, amount: fc.integer({ min: 1, max: 40_000 }), replay: fc.boolean() }),
  fc.record({ kind: fc.constant('request' as const), from: fan, to: fan, amount: fc.integer({ min: 1, max: 40_000 }), then: fc.constantFrom('pay', 'decline', 'cancel') }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const settle = (handler: unknown, action: string, who: Fan, id: string, withKey: boolean) =>
  invoke(handler, { method: 'POST', path: `/api/wallet/requests/${id}/${action}`, token: who.token, params: { id }, headers: withKey ? { 'idempotency-key': key() } : {} });

/** Runs one operation; returns the balance changes its answers report. */
const run = async (fans: Fan[], o: Op): Promise<Array<[number, number]>> => {
  if (o.kind === 'deposit') {
    const res = await deposit(fans[o.to]!, o.amount);
    expect([201, 422]).toContain(res.status);
    return res.status === 201 ? [[o.to, o.amount]] : [];
  }
  if (o.kind === 'transfer') {
    const k = key();
    const answers = await Promise.all(Array.from({ length: o.replay ? 2 : 1 }, () => send(fans[o.from]!, fans[o.to]!.id, o.amount, k)));
    expect(new Set(answers.map((a) => a.raw)).size).toBe(1);
    const status = answers[0]!.status;
    expect(status === 201 || status === 422).toBe(true);
    return status === 201 ? [[o.from, -o.amount], [o.to, o.amount]] : [];
  }
  const created = await invoke(requestCreate, { path: '/api/wallet/requests', token: fans[o.to]!.token, body: { from: fans[o.from]!.id, amount: o.amount } });
  if (o.from === o.to) {
    expect(created.status).toBe(422);
    return [];
  }
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  if (o.then === 'cancel') expect((await settle(requestCancel, 'cancel', fans[o.to]!, id, false)).status).toBe(200);
  if (o.then === 'decline') expect((await settle(requestDecline, 'decline', fans[o.from]!, id, false)).status).toBe(200);
  if (o.then !== 'pay') return [];
  const paid = await settle(requestPay, 'pay', fans[o.from]!, id, true);
  expect([200, 422]).toContain(paid.status);
  return paid.status === 200 ? [[o.from, -o.amount], [o.to, o.amount]] : [];
};

/** The ledger's invariants, read in one snapshot. */
const ledgerViolations = () =>
  db().begin('isolation level repeatable read read only', async (sql) => ({
    unbalancedTransfers: await sql`select transfer_id from transactions group by transfer_id having sum(amount) <> 0`,
    total: (await sql`select coalesce(sum(amount), 0)::bigint as total from transactions`)[0]!.total as number,
    balanceNotSum: await sql`
      select w.id from wallets w
      left join (select wallet_id, sum(amount)::bigint as total from transactions group by wallet_id) t on t.wallet_id = w.id
      where w.balance <> coalesce(t.total, 0)`,
    negative: await sql`select id from wallets where user_id is not null and balance < 0`,
    brokenChain: await sql`
      select id from (
        select id, amount, balance_after,
               lag(balance_after, 1, 0::bigint) over (partition by wallet_id order by seq) as before
        from transactions) e
      where balance_after <> before + amount`,
  }));

describe('ledger under random concurrent operations', () => {
  let fans: Fan[];
  const expected = new Array<number>(FANS).fill(0);

  beforeAll(async () => {
    fans = await Promise.all(Array.from({ length: FANS }, () => newFan()));
  });

  it('keeps every balance equal to its entries, never negative, and all entries summing to zero', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const changes = await Promise.all(ops.map((o) => run(fans, o)));
        for (const [who, delta] of changes.flat()) expected[who]! += delta;
        for (let i = 0; i < FANS; i++) expect(await balanceOf(fans[i]!)).toBe(expected[i]);
        const v = await ledgerViolations();
        expect(v.unbalancedTransfers).toHaveLength(0);
        expect(v.total).toBe(0);
        expect(v.balanceNotSum).toHaveLength(0);
        expect(v.negative).toHaveLength(0);
        expect(v.brokenChain).toHaveLength(0);
      }),
      { numRuns: 25 },
    );
  });
});
