import type { JSONValue } from 'postgres';
import { invalidate, keys } from '../cache';
import type { Tx } from '../db';
import { refused } from '../http/problem';
import { euros } from '../money';
import type { EntryType } from './schemas';

/** A ledger account: a fan's wallet or one of the platform's system accounts. */
export type Account = {
  id: string;
  user_id: string | null;
  system: string | null;
  email: string | null;
  name: string | null;
  balance: number;
};

export type Leg = {
  account: Account;
  /** Signed cents: negative leaves the account, positive enters it. */
  amount: number;
  type: EntryType;
  counterparty: Account;
  metadata?: Record<string, unknown>;
};

export type Posted = {
  id: string;
  transfer_id: string;
  wallet_id: string;
  type: EntryType;
  amount: number;
  balance_after: number;
  metadata: Record<string, unknown>;
  created_at: Date;
};

export type TransferKind = 'deposit' | 'transfer' | 'request_payment' | 'purchase' | 'refund';

/**
 * Locks the wallets of these fans (by id or email) and the shard of the
 * platform accounts that serves a given fan, in wallet id order: every movement takes its locks in that one order, so two
 * movements can wait on each other but never deadlock.
 */
/** Platform accounts are split in 16 shards (migration 002); a fan's movements use one. */
const PLATFORM_SHARDS = 16;
export const shardOf = (userId: string): number => parseInt(userId.slice(-2), 16) % PLATFORM_SHARDS;

export const lockAccounts = (
  sql: Tx,
  who: { userIds?: string[]; emails?: string[]; platform?: { accounts: string[]; for: string } },
): Promise<Account[]> =>
  /*
   * The ids are found first, by one indexed lookup per kind of name (an OR
   * across the join would scan both tables), and computed once as an array:
   * when a locked row was changed meanwhile, Postgres re-checks it against
   * the plain `w.id = any(…)`, whereas re-checking a join against a
   * subquery over the same table can drop the row it just locked.
   */
  sql<Account[]>`
    select w.id, w.user_id, w.system, u.email, u.name, w.balance
    from wallets w left join users u on u.id = w.user_id
    where w.id = any(array(
      select id from wallets where user_id = any(${who.userIds ?? []}::uuid[])
      union all
      select wallets.id from users join wallets on wallets.user_id = users.id where users.email = any(${who.emails ?? []}::text[])
      union all
      select id from wallets
      where system = any(${who.platform?.accounts ?? []}::text[]) and shard = ${who.platform ? shardOf(who.platform.for) : 0}))
    order by w.id
    for update of w`;

/**
 * Posts one balanced transfer: its entries, each with the balance after it,
 * and the new wallet balances, in a single statement. The accounts must have
 * been locked by `lockAccounts` in this transaction. A fan's wallet never
 * goes below zero (checked here for a clear refusal, and by the table's
 * CHECK); the entries summing to zero is checked again by Postgres at commit.
 */
export const post = async (sql: Tx, kind: TransferKind, legs: Leg[]): Promise<Posted[]> => {
  if (legs.reduce((sum, leg) => sum + leg.amount, 0) !== 0) throw new Error(`unbalanced ${kind} transfer`);
  if (new Set(legs.map((leg) => leg.account.id)).size !== legs.length) throw new Error('one entry per account per transfer');
  for (const { account, amount } of legs) {
    if (account.user_id && account.balance + amount < 0) {
      throw refused('insufficient-funds', `The wallet holds ${euros(account.balance)}; this needs ${euros(-amount)}.`, {
        balance: account.balance,
        required: -amount,
      });
    }
  }
  const entries = legs.map((leg) => ({
    wallet_id: leg.account.id,
    user_id: leg.account.user_id,
    type: leg.type,
    amount: leg.amount,
    counterparty_wallet_id: leg.counterparty.id,
    metadata: leg.metadata ?? {},
  }));
  const posted = await sql<Posted[]>`
    with transfer as (
      insert into transfers (kind) values (${kind}) returning id
    ), moved as (
      update wallets w set balance = w.balance + d.amount, updated_at = now()
      from unnest(${entries.map((e) => e.wallet_id)}::uuid[], ${entries.map((e) => e.amount)}::bigint[]) as d (id, amount)
      where w.id = d.id
      returning w.id, w.balance
    )
    insert into transactions (transfer_id, wallet_id, user_id, type, amount, balance_after, counterparty_wallet_id, metadata)
    select transfer.id, e.wallet_id, e.user_id, e.type, e.amount, moved.balance, e.counterparty_wallet_id, e.metadata
    from transfer
    cross join jsonb_to_recordset(${sql.json(entries as unknown as JSONValue)}) as e (
      wallet_id uuid, user_id uuid, type text, amount bigint, counterparty_wallet_id uuid, metadata jsonb)
    join moved on moved.id = e.wallet_id
    returning id, transfer_id, wallet_id, type, amount, balance_after, metadata, created_at`;
  const fans = legs.map((leg) => leg.account.user_id).filter((id): id is string => id !== null);
  sql.afterCommit(() => invalidate(...fans.flatMap((id) => [keys.walletBalance(id), keys.transactions(id)])));
  return posted;
};

/** The entry a transfer posted to this account. */
export const entryOf = (posted: Posted[], account: Account): Posted => {
  const entry = posted.find((p) => p.wallet_id === account.id);
  if (!entry) throw new Error('transfer posted no entry for this account');
  return entry;
};
