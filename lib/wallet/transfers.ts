import type { Tx } from '../db';
import { accountGone } from '../http/problem';
import type { Claim, Reply } from '../http/route';
import { display } from '../money';
import { fanRef, type FanRef } from './accounts';
import { balanceAfter, type Posted } from './ledger';
import { answer, iso, movement, refuse, type MovementCall } from './movement';
import { fanNotFound, selfTransfer, TRANSFER_MAX, transferLimit, walletRefusals } from './refusals';
import type { TransferInput, TransferView } from './schemas';

export const checkTransferAmount = (amount: number): void => {
  if (amount > TRANSFER_MAX) throw transferLimit();
};

/** The other fan, named by id or email, without locking anything (asking for money moves nothing). */
export const findFan = async (sql: Tx, userId: string, other: string): Promise<{ id: string; name: string }> => {
  const ref: FanRef = fanRef(other);
  const rows = await sql<{ id: string; email: string; name: string }[]>`
    select id, email, name from users
    where (id = any(${[userId, ...ref.userIds]}::uuid[]) or email = any(${ref.emails}::text[])) and deleted_at is null`;
  const mine = rows.find((row) => row.id === userId);
  if (!mine) throw accountGone();
  if (ref.userIds.includes(userId) || ref.emails.includes(mine.email)) throw selfTransfer();
  const theirs = rows.find((row) => row !== mine);
  if (!theirs) throw fanNotFound();
  return theirs;
};

/** Migration 003's wallet_transfer, as a transfer's movement calls it. */
export const transferCall = (input: TransferInput): MovementCall => {
  const to = fanRef(input.to);
  return (sql, c) => sql`
    select wallet_transfer(${c}, ${to.userIds[0] ?? null}::uuid, ${to.emails[0] ?? null}, ${input.amount}, ${input.note ?? null}) as outcome`;
};

/** Pays another fan, named by id or email. */
export const transfer = async (claim: Claim, input: TransferInput): Promise<Reply> => {
  const settled =
    input.amount > TRANSFER_MAX
      ? await refuse(claim, 422, { refusal: 'transfer-limit' })
      : await movement<Posted & { to: { id: string; name: string } }>(claim, transferCall(input));
  return answer(settled, walletRefusals, (posted): TransferView => ({
    id: posted.transfer_id,
    amount: input.amount,
    currency: 'EUR',
    display: display(input.amount),
    to: posted.to,
    note: input.note ?? null,
    balance: balanceAfter(posted, claim.userId),
    created_at: iso(posted.created_at),
  }));
};
