import { db, tx, type Tx } from '../db';
import { conflict, notFound } from '../http/problem';
import type { Claim, Reply } from '../http/route';
import { display } from '../money';
import { newestFirst } from '../pagination';
import { consume } from '../rate-limit';
import { answer, iso, movement } from './movement';
import { requestExpired, walletRefusals } from './refusals';
import type { MoneyRequestView, RequestInput, RequestsFilter } from './schemas';
import { checkTransferAmount, findFan } from './transfers';

type RequestRow = {
  id: string;
  amount: number;
  currency: string;
  note: string | null;
  status: 'pending' | 'paid' | 'declined' | 'cancelled';
  requester_id: string;
  requester_name: string;
  payer_id: string;
  payer_name: string;
  /** Dates as read by postgres.js, or as written into a stored outcome's jsonb. */
  created_at: Date | string;
  expires_at: Date | string;
  settled_at: Date | string | null;
  expired?: boolean;
};

const toView = (r: RequestRow): MoneyRequestView => ({
  id: r.id,
  amount: r.amount,
  currency: r.currency,
  display: display(r.amount),
  note: r.note,
  // A pending request past its 7 days is expired: it can no longer be paid.
  status: r.status === 'pending' && r.expired ? 'expired' : r.status,
  requester: { id: r.requester_id, name: r.requester_name },
  payer: { id: r.payer_id, name: r.payer_name },
  created_at: iso(r.created_at),
  expires_at: iso(r.expires_at),
  settled_at: r.settled_at === null ? null : iso(r.settled_at),
});

const selectRequests = (sql: Tx | ReturnType<typeof db>) => sql`
  select r.id, r.amount, r.currency, r.note, r.status, r.created_at, r.expires_at, r.settled_at,
         r.expires_at <= now() as expired, r.created_at::text as created_key,
         r.requester_id, rq.name as requester_name, r.payer_id, py.name as payer_name
  from money_requests r
  join users rq on rq.id = r.requester_id
  join users py on py.id = r.payer_id`;

/** Asks another fan for money; nothing moves until they pay. */
export const createRequest = async (userId: string, input: RequestInput): Promise<MoneyRequestView> => {
  // Asking costs nothing: without a limit it would be a free way to find out who has an account.
  await consume('money-request-user', userId);
  return tx(async (sql) => {
    checkTransferAmount(input.amount);
    const payer = await findFan(sql, userId, input.from);
    const [row] = await sql<{ id: string }[]>`
      insert into money_requests (requester_id, payer_id, amount, note)
      values (${userId}, ${payer.id}, ${input.amount}, ${input.note ?? null})
      returning id`;
    return toView((await findRequest(sql, row!.id, userId))!);
  });
};

const findRequest = async (sql: Tx, id: string, userId: string, lock = false): Promise<RequestRow | undefined> => {
  const [row] = await sql<RequestRow[]>`
    ${selectRequests(sql)}
    where r.id = ${id} and (r.payer_id = ${userId} or r.requester_id = ${userId})
    ${lock ? sql`for update of r` : sql``}`;
  return row;
};

/** Only the payer pays, once, and only while the request is pending (migration 003's money_request_pay). */
export const payRequest = async (claim: Claim, id: string): Promise<Reply> => {
  const settled = await movement<{ request: RequestRow }>(claim, (sql, c) => sql`select money_request_pay(${c}, ${id}) as outcome`);
  return answer(settled, walletRefusals, ({ request }) => toView(request));
};

/** Records how a pending request ended; its view is the row already read, updated. */
const settle = async (sql: Tx, request: RequestRow, status: 'declined' | 'cancelled') => {
  const [row] = await sql<{ settled_at: Date }[]>`
    update money_requests set status = ${status}, settled_at = now()
    where id = ${request.id}
    returning settled_at`;
  return toView({ ...request, status, settled_at: row!.settled_at });
};

const ensurePending = (request: RequestRow) => {
  if (request.status !== 'pending') throw conflict('request-settled', `This request is already ${request.status}.`);
  if (request.expired) throw requestExpired();
};

/** Declined by the payer or cancelled by the requester, while pending. */
export const closeRequest = (userId: string, id: string, as: 'declined' | 'cancelled'): Promise<MoneyRequestView> =>
  tx(async (sql) => {
    const request = await findRequest(sql, id, userId, true);
    const role = as === 'declined' ? request?.payer_id : request?.requester_id;
    if (!request || role !== userId) throw notFound(`No such request for you to ${as === 'declined' ? 'decline' : 'cancel'}.`);
    ensurePending(request);
    return settle(sql, request, as);
  });

/** Incoming (to pay) or outgoing (asked), newest first. */
export const listRequests = async (userId: string, filter: RequestsFilter) => {
  const sql = db();
  const keyset = newestFirst(sql, filter.cursor, sql`r.created_at`, sql`r.id`);
  const status = filter.status;
  // Expired is a pending request past its date, and pending one that is not.
  const byStatus =
    status === undefined ? sql``
    : status === 'expired' ? sql`and r.status = 'pending' and r.expires_at <= now()`
    : status === 'pending' ? sql`and r.status = 'pending' and r.expires_at > now()`
    : sql`and r.status = ${status}`;
  const rows = await sql<Array<RequestRow & { created_key: string }>>`
    ${selectRequests(sql)}
    where ${filter.direction === 'incoming' ? sql`r.payer_id` : sql`r.requester_id`} = ${userId}
      ${byStatus}
      ${keyset.after}
    ${keyset.order}
    limit ${filter.limit + 1}`;
  const result = keyset.page(rows, filter.limit);
  return { items: result.items.map(toView), next_cursor: result.next_cursor };
};

