import type { Claim, Reply } from '../http/route';
import { display } from '../money';
import { balanceAfter, shardOf, type Posted } from './ledger';
import { count } from '../metrics';
import { answer, freshResult, iso, movement, refuse } from './movement';
import { DAILY_DEPOSIT_MAX, DEPOSIT_MAX, walletRefusals } from './refusals';
import type { DepositInput, DepositView } from './schemas';

/**
 * Tops up a wallet from the card-funding account (migration 003's
 * wallet_deposit). The deposit is its own record (method, status, provider
 * reference): here the card is accepted at once and the deposit settles in
 * the same transaction; a payment provider would instead leave it `pending`
 * and post the same ledger transfer when its webhook confirms.
 */
export const deposit = async (claim: Claim, input: DepositInput): Promise<Reply> => {
  const settled =
    input.amount > DEPOSIT_MAX
      ? await refuse(claim, 422, { refusal: 'deposit-limit' })
      : await movement<Posted & { deposit_id: string }>(claim, (sql, c) => sql`
          select wallet_deposit(${c}, ${shardOf(claim.userId)}, ${input.amount}, ${input.method}, ${DAILY_DEPOSIT_MAX}) as outcome`);
  if (freshResult(settled)) {
    count('Deposits');
    count('DepositAmountCents', input.amount);
  }
  return answer(settled, walletRefusals, (posted): DepositView => ({
    id: posted.deposit_id,
    amount: input.amount,
    currency: 'EUR',
    display: display(input.amount),
    method: input.method,
    status: 'succeeded',
    balance: balanceAfter(posted, claim.userId),
    created_at: iso(posted.created_at),
  }));
};
