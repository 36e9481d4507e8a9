import type { Tx } from '../db';
import { notFound, refused } from '../http/problem';
import { display, euros } from '../money';
import { fanRef, type FanRef } from './accounts';
import { entryOf, lockAccounts, post, type Account } from './ledger';
import type { TransferInput, TransferView } from './schemas';

export const TRANSFER_MAX = 100_000;

export const checkTransferAmount = (amount: number): void => {
  if (amount > TRANSFER_MAX) {
    throw refused('transfer-limit', `A payment between fans is at most ${euros(TRANSFER_MAX)}.`, { limit: TRANSFER_MAX });
  }
};

/** Splits the rows found for "me and the fan named by `ref`", with the refusals every lookup shares. */
const pair = <T extends { email: string | null }>(rows: T[], idOf: (row: T) => string | null, userId: string, ref: FanRef) => {
  const mine = rows.find((row) => idOf(row) === userId)!;
  if (ref.userIds.includes(userId) || ref.emails.includes(mine.email!)) {
    throw refused('self-transfer', 'You cannot send money to, or request it from, yourself.');
  }
  const theirs = rows.find((row) => row !== mine);
  if (!theirs) throw notFound('No fan has this email or user id.');
  return { mine, theirs };
};

/** Locks the signed-in fan's wallet and the other fan's, named by id or email. */
export const lockPair = async (sql: Tx, userId: string, other: string): Promise<{ mine: Account; theirs: Account }> => {
  const ref = fanRef(other);
  return pair(await lockAccounts(sql, { userIds: [userId, ...ref.userIds], emails: ref.emails }), (a) => a.user_id, userId, ref);
};

/** The other fan, named by id or email, without locking anything. */
export const findFan = async (sql: Tx, userId: string, other: string): Promise<{ id: string; name: string }> => {
  const ref = fanRef(other);
  const rows = await sql<{ id: string; email: string; name: string }[]>`
    select id, email, name from users
    where id = any(${[userId, ...ref.userIds]}::uuid[]) or email = any(${ref.emails}::text[])`;
  return pair(rows, (u) => u.id, userId, ref).theirs;
};

export const transfer = async (sql: Tx, userId: string, input: TransferInput): Promise<TransferView> => {
  checkTransferAmount(input.amount);
  const { mine, theirs } = await lockPair(sql, userId, input.to);
  const metadata = input.note ? { note: input.note } : {};
  const posted = await post(sql, 'transfer', [
    { account: mine, amount: -input.amount, type: 'send', counterparty: theirs, metadata },
    { account: theirs, amount: input.amount, type: 'receive', counterparty: mine, metadata },
  ]);
  const sent = entryOf(posted, mine);
  return {
    id: sent.transfer_id,
    amount: input.amount,
    currency: 'EUR',
    display: display(input.amount),
    to: { id: theirs.user_id!, name: theirs.name! },
    note: input.note ?? null,
    balance: sent.balance_after,
    created_at: sent.created_at.toISOString(),
  };
};
