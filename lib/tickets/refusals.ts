import { notFound, ProblemError, refused } from '../http/problem';
import { euros } from '../money';
import type { Refusals } from '../wallet/movement';
import { paymentRefusals, walletRefusals } from '../wallet/refusals';

export const ticketNotFound = () => notFound('No such ticket of yours.');

/** A match the back office does not show: none has this id, or it is another club's. */
export const eventNotFound = () => notFound('No match of a club of yours has this id.');

/** A match's waiting room, where its pass is had. */
export const queuePath = (eventId: string) => `/api/tickets/events/${eventId}/queue`;

export const passRequired = (eventId: string) =>
  new ProblemError(403, 'queue-pass-required', `This match sells through its waiting room: join it with POST ${queuePath(eventId)}.`, {
    queue: queuePath(eventId),
  });

/** The refusals that ticket movements store, each rebuilt from its figures (see wallet/movement.ts). */
export const ticketRefusals: Refusals = {
  ...paymentRefusals,
  'fan-not-found': walletRefusals['fan-not-found']!,
  'event-not-found': () => notFound('No event has this id, or it has no such seat category.'),
  'event-canceled': () => refused('event-canceled', 'This match is cancelled: its tickets are no longer sold, and those bought are refunded.'),
  'event-past': () => refused('event-past', 'This match has already been played: its tickets are no longer sold.'),
  'ticket-not-found': ticketNotFound,
  'self-handover': () => refused('self-handover', 'This ticket is already yours.'),
  'above-face-value': (facts) => {
    const faceValue = Number(facts.face_value);
    return refused('above-face-value', `A ticket is resold at no more than its face value, ${euros(faceValue)}.`, { face_value: faceValue });
  },
  'offer-not-found': () => notFound('No resale offer has this id.'),
  'not-on-sale': (facts) => {
    const at = new Date(String(facts.on_sale_at)).toISOString();
    return refused('not-on-sale', `Tickets for this match go on sale at ${at}.`, { on_sale_at: at });
  },
  'queue-pass-required': (facts) => passRequired(String(facts.event_id)),
  'per-fan-limit': (facts) =>
    refused('per-fan-limit', `A fan holds at most ${Number(facts.limit)} tickets for this match; you hold ${Number(facts.bought)}.`, {
      bought: Number(facts.bought),
      limit: Number(facts.limit),
    }),
  'own-offer': () => refused('own-offer', 'This is your own offer: withdraw it instead of buying it.'),
};
