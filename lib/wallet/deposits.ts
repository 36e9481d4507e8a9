import type { Tx } from '../db';
import { refused } from '../http/problem';
import { display, euros } from '../money';
import { entryOf, lockAccounts, post } from './ledger';
import type { DepositInput, DepositView } from './schemas';

export const DEPOSIT_MAX = 100_000;
export const DAILY_DEPOSIT_MAX = 200_000;

/**
 * Tops up a wallet from the card-funding account. The deposit is its own
 * record (method, status, provider reference): here the card is accepted at
 * once and the deposit settles in the same transaction; a payment provider
 * would instead leave it `pending` and post the same ledger transfer when its
 * webhook confirms. The rolling-day limit is read under the wallet's lock, so
 * concurrent deposits cannot both slip under it.
 */
export const deposit = async (sql: Tx, userId: string, input: DepositInput): Promise<DepositView> => {
  if (input.amount > DEPOSIT_MAX) {
    throw refused('deposit-limit', `A single deposit is at most ${euros(DEPOSIT_MAX)}.`, { limit: DEPOSIT_MAX });
  }
  const accounts = await lockAccounts(sql, { userIds: [userId], platform: { accounts: ['card_funding'], for: userId } });
  const wallet = accounts.find((a) => a.user_id === userId)!;
  const funding = accounts.find((a) => a.system === 'card_funding')!;
  const [{ total }] = (await sql`
    select coalesce(sum(amount), 0)::bigint as total from deposits
    where user_id = ${userId} and status <> 'failed' and created_at > now() - interval '24 hours'`) as unknown as [{ total: number }];
  if (total + input.amount > DAILY_DEPOSIT_MAX) {
    const remaining = Math.max(0, DAILY_DEPOSIT_MAX - total);
    throw refused('daily-deposit-limit', `Deposits are limited to ${euros(DAILY_DEPOSIT_MAX)} per rolling 24 hours; ${euros(remaining)} remains.`, {
      limit: DAILY_DEPOSIT_MAX,
      remaining,
    });
  }
  const posted = await post(sql, 'deposit', [
    { account: funding, amount: -input.amount, type: 'funding', counterparty: wallet },
    { account: wallet, amount: input.amount, type: 'deposit', counterparty: funding, metadata: { method: input.method } },
  ]);
  const entry = entryOf(posted, wallet);
  const [row] = await sql<{ id: string; created_at: Date }[]>`
    insert into deposits (user_id, amount, method, status, transfer_id, confirmed_at)
    values (${userId}, ${input.amount}, ${input.method}, 'succeeded', ${entry.transfer_id}, now())
    returning id, created_at`;
  return {
    id: row!.id,
    amount: input.amount,
    currency: 'EUR',
    display: display(input.amount),
    method: input.method,
    status: 'succeeded',
    balance: entry.balance_after,
    created_at: row!.created_at.toISOString(),
  };
};
