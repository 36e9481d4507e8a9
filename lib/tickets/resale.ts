import type { PendingQuery, Row } from 'postgres';
import { db, localTimeouts } from '../db';
import { conflict, notFound } from '../http/problem';
import type { Claim, Reply } from '../http/route';
import { count } from '../metrics';
import { display } from '../money';
import { pushNotification } from '../notifications/notifications';
import { decodeCursor, page } from '../pagination';
import { recommendationsKey } from '../recommendations/keys';
import { answer, conflictOf, freshResult, iso, movement, type Settled } from '../wallet/movement';
import { ticketRefusals } from './refusals';
import type { OfferInput, OffersFilter, OfferView, ResalePurchaseView } from './schemas';
import { toView, type EventFacts, type TicketRow } from './tickets';

type OfferRow = { id: string; ticket_id: string; price: number; status: OfferView['status']; created_at: Date | string };
type OfferFacts = { offer: OfferRow; ticket: TicketRow; event: EventFacts };

const toOfferView = ({ offer, ticket, event }: { offer: OfferRow; ticket: Pick<TicketRow, 'category' | 'price'>; event: EventFacts }): OfferView => ({
  id: offer.id,
  ticket_id: offer.ticket_id,
  event: { id: event.id, title: event.title, date: iso(event.date), venue: event.venue },
  category: ticket.category,
  face_value: ticket.price,
  price: offer.price,
  currency: 'EUR',
  display: display(offer.price),
  status: offer.status,
  created_at: iso(offer.created_at),
});

/**
 * Offers a ticket of the fan's to other fans at `price`, at most its face
 * value (migration 008's ticket_resale_offer). Nothing is keyed: listing a
 * ticket again is a conflict that names its open offer.
 */
export const offer = async (sellerId: string, ticketId: string, input: OfferInput): Promise<Reply> => {
  let settled: Settled<OfferFacts>;
  try {
    const sql = db();
    [{ outcome: settled }] = (await sql`select ticket_resale_offer(${sellerId}, ${ticketId}, ${input.price}) as outcome from ${localTimeouts(sql)}`) as unknown as [
      { outcome: Settled<OfferFacts> },
    ];
  } catch (error) {
    throw conflictOf(error);
  }
  return answer(settled, ticketRefusals, toOfferView);
};

type Listed = OfferRow & { category: string; face_value: number; event: EventFacts };

const selectOffers = (where: PendingQuery<Row[]>) => db()<Listed[]>`
  select o.id, o.ticket_id, o.price, o.status, o.created_at, t.category, t.price as face_value,
         json_build_object('id', e.id, 'title', e.title, 'date', e.date, 'venue', e.venue) as event
  from resale_offers o join tickets t on t.id = o.ticket_id join events e on e.id = o.event_id
  where ${where}`;

const listedView = ({ category, face_value, event, ...offer }: Listed) => toOfferView({ offer, ticket: { category, price: face_value }, event });

/** The open offers for a match still to be played, cheapest first. */
export const listOffers = async (filter: OffersFilter) => {
  const sql = db();
  const after = decodeCursor(filter.cursor, ['seq', 'uuid'] as const);
  const rows = await sql<Listed[]>`
    ${selectOffers(sql`o.event_id = ${filter.event_id} and o.status = 'listed' and e.date > now()`)}
      ${after ? sql`and (o.price, o.id) > (${after[0]}, ${after[1]}::uuid)` : sql``}
    order by o.price, o.id
    limit ${filter.limit + 1}`;
  const result = page(rows, filter.limit, (row) => [row.price, row.id]);
  return { items: result.items.map(listedView), next_cursor: result.next_cursor };
};

/**
 * Buys an offer (migration 008's ticket_resale_buy): the buyer pays the
 * seller and the ticket changes hands in one statement; of buyers racing
 * for one offer, one gets it and the others a 409. The seller's
 * notification is pushed to their open connections.
 */
export const buy = async (claim: Claim, offerId: string): Promise<Reply> => {
  // The ticket leaves the seller's basket for the buyer's: both fans' recommendations change.
  const settled = await movement<OfferFacts & { offer: { seller_id: string } }>(
    claim,
    (sql, c) => sql`select ticket_resale_buy(${c}, ${offerId}) as outcome`,
    ({ offer }) => [recommendationsKey(claim.userId), recommendationsKey(offer.seller_id)],
  );
  const sale = freshResult(settled);
  if (sale) {
    count('Purchases', 1, { kind: 'resale' });
    await pushNotification(sale.offer.seller_id, 'ticket-resold', { ticket_id: sale.ticket.id });
  }
  return answer(settled, ticketRefusals, ({ offer: sold, ticket, event }): ResalePurchaseView => ({
    ticket: toView(ticket, event),
    offer_id: sold.id,
    price: sold.price,
    currency: 'EUR',
    display: display(sold.price),
  }));
};

/**
 * Withdraws an offer of the fan's. Withdrawing it again answers the same;
 * one already sold is a conflict. A buyer holding the offer's lock is
 * waited for, so the two never both succeed.
 */
export const withdraw = async (sellerId: string, offerId: string): Promise<OfferView> => {
  const sql = db();
  await sql`
    update resale_offers set status = 'withdrawn', settled_at = now() from ${localTimeouts(sql)}
    where id = ${offerId} and seller_id = ${sellerId} and status = 'listed'`;
  const [row] = await selectOffers(sql`o.id = ${offerId} and o.seller_id = ${sellerId}`);
  if (!row) throw notFound('No resale offer of yours has this id.');
  if (row.status === 'sold') throw conflict('offer-sold', 'This offer was already sold: the ticket is no longer yours.');
  return listedView(row);
};
