import type { Claim, Reply } from '../http/route';
import { pushNotification } from '../notifications/notifications';
import { recommendationsKey } from '../recommendations/keys';
import { fanRef } from '../wallet/accounts';
import { answer, freshResult, iso, movement } from '../wallet/movement';
import { ticketRefusals } from './refusals';
import type { HandOverInput, HandOverView } from './schemas';
import { toView, type EventFacts, type TicketRow } from './tickets';

/**
 * Gives a ticket of the fan's to another fan, named by email or user id
 * (migration 008's ticket_hand_over). The codes issued to the giver stop
 * working at once; a ticket checked in, or offered for resale, stays put
 * (409). Keyed like a movement, so a retry after a lost answer is replayed
 * rather than told the ticket is no longer the sender's. The recipient's
 * notification is pushed to their open connections.
 */
export const handOver = async (claim: Claim, ticketId: string, input: HandOverInput): Promise<Reply> => {
  const to = fanRef(input.to);
  const settled = await movement<{ ticket: TicketRow; event: EventFacts; to: HandOverView['to']; at: string }>(
    claim,
    (sql, c) => sql`select ticket_hand_over(${c}, ${ticketId}, ${to.userIds[0] ?? null}::uuid, ${to.emails[0] ?? null}) as outcome`,
    // The ticket leaves the giver's basket for the recipient's: both fans' recommendations change.
    (moved) => [recommendationsKey(claim.userId), recommendationsKey(moved.to.id)],
  );
  const given = freshResult(settled);
  if (given) await pushNotification(given.to.id, 'ticket-received', { ticket_id: given.ticket.id });
  return answer(settled, ticketRefusals, (moved): HandOverView => ({ ticket: toView(moved.ticket, moved.event), to: moved.to, transferred_at: iso(moved.at) }));
};
