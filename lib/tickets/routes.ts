import { route } from '../http/route';
import {
  CheckIn, CheckInBody, EventDetail, TicketMetadata, EventPage, EventParams, EventsQuery, Jwks, Purchase, PurchaseBody, Ticket, TicketCode, TicketPage, TicketParams, TicketsQuery,
} from './schemas';

const tags = ['tickets'] as const;

export const listEvents = /* @__PURE__ */ route({
  operationId: 'listEvents',
  method: 'GET',
  path: '/api/tickets/events',
  summary: 'Upcoming matches by date; `?club&competition&from` filter them',
  tags,
  auth: 'none',
  query: EventsQuery,
  responses: { 200: { description: 'A page of events, with their seats left', schema: EventPage } },
});

export const getEvent = /* @__PURE__ */ route({
  operationId: 'getEvent',
  method: 'GET',
  path: '/api/tickets/events/{id}',
  summary: 'One match, with its seat categories and the seats left in each',
  tags,
  auth: 'none',
  params: EventParams,
  responses: { 200: { description: 'The event', schema: EventDetail }, 404: { description: 'No such event' } },
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
    404: { description: 'No such event or category' },
    409: { description: 'Sold out' },
    422: { description: 'Insufficient funds, or the match is past' },
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
  summary: 'One ticket of yours',
  tags,
  auth: 'required',
  params: TicketParams,
  responses: { 200: { description: 'The ticket', schema: Ticket }, 404: { description: 'No such ticket of yours' } },
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
