/**
 * The ledger's rules live in Postgres (migration 003): ledger_lock takes the
 * wallets in id order, ledger_post writes a balanced transfer. What the API
 * needs to know of them is here.
 */

/** Platform accounts are split in 16 shards (migration 002); a fan's movements use one. */
const PLATFORM_SHARDS = 16;
export const shardOf = (userId: string): number => parseInt(userId.slice(-2), 16) % PLATFORM_SHARDS;

/** A transfer as ledger_post reports it: each fan's balance after it (migration 027). */
export type Posted = {
  transfer_id: string;
  created_at: string;
  balances?: Record<string, number>;
  /** In place of `balances`, in an outcome stored before migration 027 (a key lives 24 hours). */
  entries?: Array<{ user_id: string | null; balance_after: number }>;
};

/** The fan's balance right after this transfer (after its last entry: a top-up may also pay back a chargeback). */
export const balanceAfter = (posted: Posted, userId: string): number => {
  const balance = posted.balances ? posted.balances[userId] : posted.entries?.findLast((e) => e.user_id === userId)?.balance_after;
  if (balance === undefined) throw new Error('transfer posted no entry for this fan');
  return balance;
};
