import { db, type Sql } from '../db';
import { notFound } from '../http/problem';
import { display } from '../money';
import { newestFirst } from '../pagination';
import { iso } from './movement';
import type { DepositRecordView, DepositsFilter } from './schemas';

/** A deposit's row, as read, or as a stored outcome's jsonb holds it (its times then strings). */
export type DepositRow = {
  id: string;
  status: DepositRecordView['status'];
  amount: number;
  amount_received: number | null;
  currency: string;
  method: DepositRecordView['method'];
  provider: DepositRecordView['provider'];
  created_at: Date | string;
  confirmed_at: Date | string | null;
  dispute?: (Omit<NonNullable<DepositRecordView['dispute']>, 'opened_at' | 'closed_at'> & { opened_at: string; closed_at: string | null }) | null;
};

export const recordView = (d: DepositRow): DepositRecordView => ({
  id: d.id,
  status: d.status,
  amount: d.amount,
  amount_received: d.amount_received,
  currency: d.currency,
  display: display(d.amount),
  method: d.method,
  provider: d.provider,
  created_at: iso(d.created_at),
  credited_at: d.confirmed_at === null ? null : iso(d.confirmed_at),
  dispute: d.dispute ? { ...d.dispute, opened_at: iso(d.dispute.opened_at), closed_at: d.dispute.closed_at === null ? null : iso(d.dispute.closed_at) } : null,
});

const selectDeposits = (sql: Sql) => sql`
  select d.id, d.status, d.amount, d.amount_received, d.currency, d.method, d.provider, d.created_at, d.confirmed_at,
         d.created_at::text as created_key,
         (select jsonb_build_object('status', s.status, 'amount', s.amount, 'taken_back', s.taken_back, 'owed', s.owed,
                                    'opened_at', s.created_at, 'closed_at', s.closed_at)
          from disputes s where s.deposit_id = d.id order by s.created_at desc limit 1) as dispute
  from deposits d`;

/** One deposit of the fan's; another fan's is not found. */
export const getDeposit = async (userId: string, id: string): Promise<DepositRecordView> => {
  const sql = db();
  const [row] = await sql<DepositRow[]>`${selectDeposits(sql)} where d.id = ${id} and d.user_id = ${userId}`;
  if (!row) throw notFound('No such deposit of yours.');
  return recordView(row);
};

/** The fan's deposits, newest first; `?status` keeps one kind. */
export const listDeposits = async (userId: string, filter: DepositsFilter) => {
  const sql = db();
  const keyset = newestFirst(sql, filter.cursor, sql`d.created_at`, sql`d.id`);
  const rows = await sql<Array<DepositRow & { created_key: string }>>`
    ${selectDeposits(sql)}
    where d.user_id = ${userId}
      ${filter.status ? sql`and d.status = ${filter.status}` : sql``}
      ${keyset.after}
    ${keyset.order}
    limit ${filter.limit + 1}`;
  const result = keyset.page(rows, filter.limit);
  return { items: result.items.map(recordView), next_cursor: result.next_cursor };
};
