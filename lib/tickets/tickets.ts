import { db } from '../db';
import { notFound, ProblemError } from '../http/problem';
import type { Claim, Reply } from '../http/route';
import { display } from '../money';
import { newestFirst } from '../pagination';
import { recommendationsKey } from '../recommendations/keys';
import { shardOf } from '../wallet/ledger';
import { count } from '../metrics';
import { answer, freshResult, iso, movement } from '../wallet/movement';
import { mintCode } from './codes';
import { eventLists } from './events';
import { admission, soldOut } from './queue';
import { ticketNotFound, ticketRefusals } from './refusals';
import type { PurchaseInput, PurchaseView, TicketDetailView, TicketMetadataView, TicketsFilter, TicketView } from './schemas';

export type TicketRow = {
  id: string;
  category: string;
  price: number;
  currency: string;
  status: TicketView['status'];
  nft: boolean;
  token_id: number | string;
  created_at: Date | string;
};
export type EventFacts = { id: string; title: string; date: Date | string; venue: string };

export const toView = (ticket: TicketRow, event: EventFacts): TicketView => ({
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

/**
 * Buys seats (migration 015's ticket_purchase): the seats are taken from
 * one of the category's shards in the same statement as the payment and the
 * tickets, so no seat is sold twice; sold out is 409, a past event 422, one
 * not on sale yet 422, more than a fan may hold 422. A match behind a
 * waiting room is bought with the fan's pass (./queue.ts); its fans still
 * waiting learn at once when its last seat is sold.
 */
export const purchase = async (claim: Claim, input: PurchaseInput): Promise<Reply> => {
  const passed = await admission(claim.userId, input.event_id, input.pass);
  let settled;
  try {
    settled = await movement<{ tickets: TicketRow[]; event: EventFacts; club: string; sold_out: boolean }>(
      claim,
      (sql, c) => sql`select ticket_purchase(${c}, ${shardOf(claim.userId)}, ${input.event_id}, ${input.category}, ${input.quantity}, ${passed}) as outcome`,
      ({ club }) => [...eventLists(club), recommendationsKey(claim.userId)],
    );
  } catch (error) {
    if (passed && error instanceof ProblemError && error.extra.event_sold_out === true) await soldOut(input.event_id);
    throw error;
  }
  const fresh = freshResult(settled);
  if (fresh) count('Purchases', 1, { kind: 'ticket' });
  if (fresh?.sold_out) await soldOut(input.event_id);
  return answer(settled, ticketRefusals, ({ tickets, event }): PurchaseView => {
    const total = tickets.reduce((sum, t) => sum + t.price, 0);
    return { tickets: tickets.map((t) => toView(t, event)), total, currency: 'EUR', display: display(total) };
  });
};

const selectTickets = (userId: string, extra = db()``) => {
  const sql = db();
  return sql`
    select t.id, t.category, t.price, t.currency, t.status, t.nft, t.token_id, t.created_at, t.created_at::text as created_key,
           json_build_object('id', e.id, 'title', e.title, 'date', e.date, 'venue', e.venue) as event ${extra}
    from tickets t join events e on e.id = t.event_id
    where t.user_id = ${userId}`;
};

type Listed = TicketRow & { event: EventFacts; created_key: string };

/** The fan's tickets, newest first; never cached (a ticket is a credential). */
export const listMine = async (userId: string, filter: TicketsFilter) => {
  const sql = db();
  const keyset = newestFirst(sql, filter.cursor, sql`t.created_at`, sql`t.id`);
  const rows = await sql<Listed[]>`
    ${selectTickets(userId)}
      ${keyset.after}
    ${keyset.order}
    limit ${filter.limit + 1}`;
  const result = keyset.page(rows, filter.limit);
  return { items: result.items.map((r) => toView(r, r.event)), next_cursor: result.next_cursor };
};

type Handover = { kind: 'transfer' | 'resale'; from: string; to: string; price: number | null; at: string };

/**
 * One ticket of the fan's, with where it has been (bought, then each change
 * of holder) and its open resale offer; anyone else's is not found.
 */
export const getTicket = async (userId: string, id: string): Promise<TicketDetailView> => {
  const sql = db();
  const [row] = await sql<(Listed & { holder: string; handovers: Handover[]; resale: TicketDetailView['resale'] })[]>`
    ${selectTickets(userId, sql`,
      (select name from users where id = t.user_id) as holder,
      (select coalesce(json_agg(json_build_object('kind', h.kind, 'from', f.name, 'to', r.name, 'price', h.price, 'at', h.created_at) order by h.created_at, h.id), '[]')
         from ticket_handovers h join users f on f.id = h.from_user join users r on r.id = h.to_user
         where h.ticket_id = t.id) as handovers,
      (select json_build_object('offer_id', o.id, 'price', o.price) from resale_offers o where o.ticket_id = t.id and o.status = 'listed') as resale`)}
    and t.id = ${id}`;
  if (!row) throw ticketNotFound();
  const bought = { kind: 'purchase' as const, from: null, to: row.handovers[0]?.from ?? row.holder, price: row.price, at: iso(row.created_at) };
  return {
    ...toView(row, row.event),
    history: [bought, ...row.handovers.map((h) => ({ ...h, at: iso(h.at) }))],
    resale: row.resale,
  };
};

/** A fresh entry code for one of the fan's tickets (see codes.ts). */
export const ticketCode = async (userId: string, id: string) => {
  const [ticket] = await db()<{ event_id: string }[]>`select event_id from tickets where id = ${id} and user_id = ${userId}`;
  if (!ticket) throw ticketNotFound();
  return mintCode({ t: id, e: ticket.event_id, h: userId });
};

/** An image for wallets that show collectibles: the match and the seat category on a card. */
const card = (title: string, date: string, category: string) => {
  const escape = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 240"><rect width="400" height="240" rx="16" fill="#c8102e"/>`
    + `<text x="24" y="90" font-family="sans-serif" font-size="22" fill="#fff">${escape(title)}</text>`
    + `<text x="24" y="130" font-family="sans-serif" font-size="16" fill="#fff">${escape(date)} · ${escape(category)}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
};

/** ERC-721 metadata of a ticket: public, as token metadata is, and naming no holder. */
export const ticketMetadata = async (id: string): Promise<TicketMetadataView> => {
  const [row] = await db()<{ title: string; date: Date; venue: string; competition: string; category: string; checked_in: boolean; token_id: string }[]>`
    select e.title, e.date, e.venue, e.competition, t.category, t.status = 'checked_in' as checked_in, t.token_id::text
    from tickets t join events e on e.id = t.event_id
    where t.id = ${id}`;
  if (!row) throw notFound('No ticket has this id.');
  const date = row.date.toISOString().slice(0, 10);
  return {
    name: `${row.title} · ${row.category} #${row.token_id}`,
    description: `Match ticket for ${row.title} (${row.competition}) at ${row.venue} on ${date}, a PaieCashFan collectible.`,
    image: card(row.title, date, row.category),
    attributes: [
      { trait_type: 'event', value: row.title },
      { trait_type: 'date', value: row.date.toISOString() },
      { trait_type: 'venue', value: row.venue },
      { trait_type: 'competition', value: row.competition },
      { trait_type: 'category', value: row.category },
      { trait_type: 'checked_in', value: row.checked_in },
    ],
  };
};
