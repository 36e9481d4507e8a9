import { route } from '../http/route';
import {
  AdminEvent, AdminEventPage, AdminEventsQuery, Cancellation, CheckIn, CheckInBody, EventDetail, EventPage, EventParams, EventChangeBody, EventsQuery, HandOver, HandOverBody, Jwks, NewEventBody, Offer, OfferBody, OfferPage, OfferParams, OffersQuery, Purchase, PurchaseBody, QueueStatus, ResalePurchase, TicketCode, TicketDetail, TicketMetadata, TicketPage, TicketParams, TicketsQuery,
} from './schemas';

const tags = ['tickets'] as const;

export const listEvents = /* @__PURE__ */ route({
  operationId: 'listEvents',
  method: 'GET',
  path: '/api/tickets/events',
  summary: 'Upcoming matches by date; `?club&competition&from` filter them',
  tags,
  auth: 'lenient',
  query: EventsQuery,
  responses: { 200: { description: 'A page of events, with their seats left', schema: EventPage } },
});

export const getEvent = /* @__PURE__ */ route({
  operationId: 'getEvent',
  method: 'GET',
  path: '/api/tickets/events/{id}',
  summary: 'One match, with its seat categories and the seats left in each',
  tags,
  auth: 'lenient',
  params: EventParams,
  responses: { 200: { description: 'The event', schema: EventDetail }, 404: { description: 'No such event' } },
});

const queueAnswers = {
  200: { description: 'Where the fan stands: waiting (with Retry-After, the seconds until the next look is worth it), admitted with a pass, sold out, or closed', schema: QueueStatus },
  404: { description: 'No such match, or (polling) not in its waiting room' },
  503: { description: 'The waiting room cannot be reached: retry after Retry-After' },
} as const;

export const joinQueue = /* @__PURE__ */ route({
  operationId: 'joinQueue',
  method: 'POST',
  path: '/api/tickets/events/{id}/queue',
  summary: "Join a match's waiting room (again: the same place); before the sale opens, places are drawn at random",
  tags,
  auth: 'required',
  params: EventParams,
  responses: queueAnswers,
});

export const pollQueue = /* @__PURE__ */ route({
  operationId: 'pollQueue',
  method: 'GET',
  path: '/api/tickets/events/{id}/queue',
  summary: "Where the fan stands in a match's waiting room; once admitted, the pass to buy with",
  tags,
  auth: 'required',
  params: EventParams,
  responses: queueAnswers,
});

export const purchase = /* @__PURE__ */ route({
  operationId: 'purchaseTickets',
  method: 'POST',
  path: '/api/tickets/purchase',
  summary: 'Buy 1 to 6 seats of a category from the wallet',
  tags,
  auth: 'required',
  idempotent: true,
  body: PurchaseBody,
  responses: {
    201: { description: 'The tickets', schema: Purchase },
    403: { description: "Behind a waiting room: no pass (`queue-pass-required`), or one not the fan's for this match, or expired (`queue-pass-invalid`)" },
    404: { description: 'No such event or category' },
    409: { description: 'Sold out (`event_sold_out`: the whole match)' },
    422: { description: 'Insufficient funds, the match past, cancelled (`event-canceled`) or not on sale yet (`on_sale_at`), or more tickets than a fan may hold (`per-fan-limit`)' },
    503: { description: 'Behind a waiting room, which cannot be reached: retry after Retry-After' },
  },
});

export const listMine = /* @__PURE__ */ route({
  operationId: 'listMyTickets',
  method: 'GET',
  path: '/api/tickets/mine',
  summary: "The fan's tickets, newest first",
  tags,
  auth: 'required',
  query: TicketsQuery,
  responses: { 200: { description: 'A page of tickets', schema: TicketPage } },
});

export const getTicket = /* @__PURE__ */ route({
  operationId: 'getTicket',
  method: 'GET',
  path: '/api/tickets/{id}',
  summary: 'One ticket of yours, with its history (bought, then each change of holder) and its open resale offer',
  tags,
  auth: 'required',
  params: TicketParams,
  responses: { 200: { description: 'The ticket', schema: TicketDetail }, 404: { description: 'No such ticket of yours' } },
});

export const getCode = /* @__PURE__ */ route({
  operationId: 'getTicketCode',
  method: 'GET',
  path: '/api/tickets/{id}/qr',
  summary: "The ticket's entry code: an Ed25519-signed JWS for this 30-second step, as a QR; valid for about a minute",
  tags,
  auth: 'required',
  params: TicketParams,
  responses: { 200: { description: 'The code, its QR and when gates stop taking it', schema: TicketCode }, 404: { description: 'No such ticket of yours' } },
});

export const getKeys = /* @__PURE__ */ route({
  operationId: 'getTicketKeys',
  method: 'GET',
  path: '/api/tickets/keys',
  summary: 'The public keys that sign entry codes (JWKS), for gates that verify offline',
  tags,
  auth: 'none',
  responses: { 200: { description: 'The JWKS', schema: Jwks } },
});

export const checkIn = /* @__PURE__ */ route({
  operationId: 'checkInTicket',
  method: 'POST',
  path: '/api/tickets/checkin',
  summary: "A gate scan by a steward of the match's club: admitted exactly once per ticket, or refused with the reason",
  tags,
  auth: 'required',
  body: CheckInBody,
  responses: { 200: { description: 'admitted, or refused with its reason', schema: CheckIn }, 403: { description: "Not a steward of this match's club" } },
});

export const getMetadata = /* @__PURE__ */ route({
  operationId: 'getTicketMetadata',
  method: 'GET',
  path: '/api/tickets/{id}/metadata',
  summary: "The collectible's ERC-721 metadata (public, as token metadata is): match, date, venue, category, checked in or not",
  tags,
  auth: 'none',
  params: TicketParams,
  responses: { 200: { description: 'ERC-721 metadata JSON', schema: TicketMetadata }, 404: { description: 'No such ticket' } },
});

export const handOver = /* @__PURE__ */ route({
  operationId: 'transferTicket',
  method: 'POST',
  path: '/api/tickets/{id}/transfer',
  summary: 'Give a ticket of yours to another fan (email or user id); codes issued to you stop working at once',
  tags,
  auth: 'required',
  idempotent: true,
  params: TicketParams,
  body: HandOverBody,
  responses: {
    200: { description: 'The ticket, now held by the other fan', schema: HandOver },
    404: { description: 'No such ticket of yours, or no such fan' },
    409: { description: 'Checked in, cancelled or of a cancelled match, or offered for resale (withdraw the offer first)' },
    422: { description: 'The ticket is already yours' },
  },
});

export const offerForResale = /* @__PURE__ */ route({
  operationId: 'offerTicketForResale',
  method: 'POST',
  path: '/api/tickets/{id}/resale',
  summary: 'Offer a ticket of yours to other fans, at no more than its face value',
  tags,
  auth: 'required',
  params: TicketParams,
  body: OfferBody,
  responses: {
    201: { description: 'The offer, listed', schema: Offer },
    404: { description: 'No such ticket of yours' },
    409: { description: 'Already offered (the problem names the offer), checked in, cancelled, or of a cancelled match' },
    422: { description: 'Above face value, or the match is past' },
  },
});

export const listResale = /* @__PURE__ */ route({
  operationId: 'listResaleOffers',
  method: 'GET',
  path: '/api/tickets/resale',
  summary: 'Open resale offers for a match, cheapest first',
  tags,
  auth: 'lenient',
  query: OffersQuery,
  responses: { 200: { description: 'A page of offers', schema: OfferPage } },
});

export const buyResale = /* @__PURE__ */ route({
  operationId: 'buyResaleOffer',
  method: 'POST',
  path: '/api/tickets/resale/{id}/buy',
  summary: 'Buy a resale offer from the wallet: the seller is paid and the ticket becomes yours in one movement',
  tags,
  auth: 'required',
  idempotent: true,
  params: OfferParams,
  responses: {
    201: { description: 'The ticket, now yours', schema: ResalePurchase },
    404: { description: 'No such offer' },
    409: { description: 'The offer was sold or withdrawn meanwhile' },
    422: { description: 'Insufficient funds, your own offer, or the match is past' },
  },
});

export const withdrawResale = /* @__PURE__ */ route({
  operationId: 'withdrawResaleOffer',
  method: 'DELETE',
  path: '/api/tickets/resale/{id}',
  summary: 'Withdraw an offer of yours; withdrawing it again answers the same',
  tags,
  auth: 'required',
  params: OfferParams,
  responses: {
    200: { description: 'The offer, withdrawn', schema: Offer },
    404: { description: 'No such offer of yours' },
    409: { description: 'Already sold' },
  },
});

// The back office's matches (admin only).
// One tag for the whole back office, so the reference lists it apart from what fans call.
const adminTags = ['admin'] as const;
const notAdmin = { description: 'No such match, or not one of a club you are an admin of' } as const;

export const adminListEvents = /* @__PURE__ */ route({
  operationId: 'adminListEvents',
  method: 'GET',
  path: '/api/admin/events',
  summary: "The matches of the admin's clubs (`?club` narrows to one), past and future, latest kick-off first, with the seats each category sold",
  tags: adminTags,
  auth: 'required',
  query: AdminEventsQuery,
  responses: { 200: { description: 'A page of matches', schema: AdminEventPage }, 404: { description: 'No club of yours (or not this one)' } },
});

export const adminGetEvent = /* @__PURE__ */ route({
  operationId: 'adminGetEvent',
  method: 'GET',
  path: '/api/admin/events/{id}',
  summary: 'One match as its back office sees it: every sale setting, and per category its capacity, seats sold and left',
  tags: adminTags,
  auth: 'required',
  params: EventParams,
  responses: { 200: { description: 'The match', schema: AdminEvent }, 404: notAdmin },
});

export const adminCreateEvent = /* @__PURE__ */ route({
  operationId: 'adminCreateEvent',
  method: 'POST',
  path: '/api/admin/events',
  summary: 'Put a match on sale: its settings and its seat categories (an id is made from the title and date unless given)',
  tags: adminTags,
  auth: 'required',
  idempotent: true,
  body: NewEventBody,
  responses: {
    201: { description: 'The match', schema: AdminEvent },
    404: { description: 'No such club of yours' },
    409: { description: 'The id is taken (`event-exists`)' },
  },
});

export const adminUpdateEvent = /* @__PURE__ */ route({
  operationId: 'adminUpdateEvent',
  method: 'PATCH',
  path: '/api/admin/events/{id}',
  summary: 'Change a match (any setting but its club and id), reprice or resize its categories, add categories; a new date tells every holder',
  tags: adminTags,
  auth: 'required',
  params: EventParams,
  body: EventChangeBody,
  responses: {
    200: { description: 'The match as changed', schema: AdminEvent },
    404: notAdmin,
    409: { description: 'A capacity below the seats the category sold (`capacity-below-sold`, with `sold`), or a cancelled match (`event-canceled`)' },
  },
});

export const cancelEvent = /* @__PURE__ */ route({
  operationId: 'adminCancelEvent',
  method: 'POST',
  path: '/api/admin/events/{id}/cancel',
  summary:
    "Cancel a match (admin of its club): it sells nothing more, its tickets change no hands and open no gate, and each ticket's holder is refunded its face value into their wallet by a job, worked on within this request's time and resumed every minute until done; cancelling again answers the same job",
  tags: adminTags,
  auth: 'required',
  idempotent: true,
  params: EventParams,
  responses: { 202: { description: 'The refund job, with its progress', schema: Cancellation }, 404: notAdmin },
});

export const getCancellation = /* @__PURE__ */ route({
  operationId: 'adminGetCancellation',
  method: 'GET',
  path: '/api/admin/events/{id}/cancellation',
  summary: "A cancelled match's refund job: how many tickets are refunded so far, and for how much (admin of its club)",
  tags: adminTags,
  auth: 'required',
  params: EventParams,
  responses: { 200: { description: 'The refund job', schema: Cancellation }, 404: { description: 'No such match of your clubs, or it is not cancelled' } },
});
