import { notFound, refused } from '../http/problem';
import { euros } from '../money';
import type { Refusals } from '../wallet/movement';
import { paymentRefusals, walletRefusals } from '../wallet/refusals';

export const ticketNotFound = () => notFound('No such ticket of yours.');

/** The refusals that ticket movements store, each rebuilt from its figures (see wallet/movement.ts). */
export const ticketRefusals: Refusals = {
  ...paymentRefusals,
  'fan-not-found': walletRefusals['fan-not-found']!,
  'event-not-found': () => notFound('No event has this id, or it has no such seat category.'),
  'event-past': () => refused('event-past', 'This match has already been played: its tickets are no longer sold.'),
  'ticket-not-found': ticketNotFound,
  'self-handover': () => refused('self-handover', 'This ticket is already yours.'),
  'above-face-value': (facts) => {
    const faceValue = Number(facts.face_value);
    return refused('above-face-value', `A ticket is resold at no more than its face value, ${euros(faceValue)}.`, { face_value: faceValue });
  },
  'offer-not-found': () => notFound('No resale offer has this id.'),
  'own-offer': () => refused('own-offer', 'This is your own offer: withdraw it instead of buying it.'),
};
