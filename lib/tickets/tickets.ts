import { db } from '../db';
import type { Claim } from '../http/idempotency';
import { notFound, refused } from '../http/problem';
import type { Reply } from '../http/route';
import { display } from '../money';
import { decodeCursor, page } from '../pagination';
import { shardOf } from '../wallet/ledger';
import { answer, iso, movement, type Refusals } from '../wallet/movement';
import { walletRefusals } from '../wallet/refusals';
import { mintCode } from './codes';
import { eventLists } from './events';
import type { PurchaseInput, PurchaseView, TicketsFilter, TicketView } from './schemas';

type TicketRow = {
  id: string;
  category: string;
  price: number;
  currency: string;
  status: TicketView['status'];
  nft: boolean;
  token_id: number | string;
  created_at: Date | string;
};
type EventFacts = { id: string; title: string; date: Date | string; venue: string };

const toView = (ticket: TicketRow, event: EventFacts): TicketView => ({
  id: ticket.id,
  event: { id: event.id, title: event.title, date: iso(event.date), venue: event.venue },
  category: ticket.category,
  price: ticket.price,
  currency: ticket.currency,
  status: ticket.status,
  nft: ticket.nft,
  blockchain: { standard: 'ERC-721', token_id: String(ticket.token_id), metadata_url: `/api/tickets/${ticket.id}/metadata` },
  created_at: iso(ticket.created_at),
});

const ticketNotFound = () => notFound('No such ticket of yours.');

const ticketRefusals: Refusals = {
  'insufficient-funds': walletRefusals['insufficient-funds']!,
  'event-not-found': () => notFound('No event has this id, or it has no such seat category.'),
  'event-past': () => refused('event-past', 'This match has already been played: its tickets are no longer sold.'),
};

/**
 * Buys seats (migration 006's ticket_purchase): the seats of the category
 * are taken by a guarded update in the same statement as the payment and the
 * tickets, so no seat is sold twice; sold out is 409, a past event 422.
 */
export const purchase = async (claim: Claim, input: PurchaseInput): Promise<Reply> => {
  const settled = await movement<{ tickets: TicketRow[]; event: EventFacts; club: string }>(
    claim,
    (sql, c) => sql`select ticket_purchase(${c}, ${shardOf(claim.userId)}, ${input.event_id}, ${input.category}, ${input.quantity}) as outcome`,
    ({ club }) => eventLists(club),
  );
  return answer(settled, ticketRefusals, ({ tickets, event }): PurchaseView => {
    const total = tickets.reduce((sum, t) => sum + t.price, 0);
    return { tickets: tickets.map((t) => toView(t, event)), total, currency: 'EUR', display: display(total) };
  });
};

const selectTickets = (userId: string) => {
  const sql = db();
  return sql`
    select t.id, t.category, t.price, t.currency, t.status, t.nft, t.token_id, t.created_at, t.created_at::text as created_key,
           json_build_object('id', e.id, 'title', e.title, 'date', e.date, 'venue', e.venue) as event
    from tickets t join events e on e.id = t.event_id
    where t.user_id = ${userId}`;
};

type Listed = TicketRow & { event: EventFacts; created_key: string };

/** The fan's tickets, newest first; never cached (a ticket is a credential). */
export const listMine = async (userId: string, filter: TicketsFilter) => {
  const sql = db();
  const after = decodeCursor(filter.cursor, ['timestamp', 'uuid'] as const);
  const rows = await sql<Listed[]>`
    ${selectTickets(userId)}
      ${after ? sql`and (t.created_at, t.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
    order by t.created_at desc, t.id desc
    limit ${filter.limit + 1}`;
  const result = page(rows, filter.limit, (r) => [r.created_key, r.id]);
  return { items: result.items.map((r) => toView(r, r.event)), next_cursor: result.next_cursor };
};

/** One ticket of the fan's; anyone else's is not found. */
export const getTicket = async (userId: string, id: string): Promise<TicketView> => {
  const sql = db();
  const [row] = await sql<Listed[]>`${selectTickets(userId)} and t.id = ${id}`;
  if (!row) throw ticketNotFound();
  return toView(row, row.event);
};

/** A fresh entry code for one of the fan's tickets (see codes.ts). */
export const ticketCode = async (userId: string, id: string) => {
  const [ticket] = await db()<{ event_id: string }[]>`select event_id from tickets where id = ${id} and user_id = ${userId}`;
  if (!ticket) throw ticketNotFound();
  return mintCode({ t: id, e: ticket.event_id, h: userId });
};
