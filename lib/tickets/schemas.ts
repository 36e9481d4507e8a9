import * as z from 'zod/mini';
import { ClubId, FanName, PageQuery, schema } from '../http/schemas';
import { Cents } from '../money';

const EventId = /* @__PURE__ */ schema(() => z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Must be an event id such as asm-psg' })));
/** At most 6 tickets in one purchase. */
export const QUANTITY_MAX = 6;

export const EventsQuery = /* @__PURE__ */ schema(() =>
  z.strictObject({
    limit: PageQuery.limit,
    cursor: z.optional(EventId),
    club: z.optional(ClubId),
    competition: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(80))),
    from: z.optional(z.iso.datetime({ offset: true })),
  }),
);
export const EventParams = /* @__PURE__ */ schema(() => z.strictObject({ id: EventId }));
export const PurchaseBody = /* @__PURE__ */ schema(() =>
  z.strictObject({
    event_id: EventId,
    category: z.string().check(z.regex(/^[a-z0-9_]{1,40}$/, { error: 'Must be a seat category such as tribune_nord' })),
    quantity: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(QUANTITY_MAX)), 1),
    /** The fan's pass from the match's waiting room, when it has one. */
    pass: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  }),
);
export const TicketsQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery }));
export const TicketParams = /* @__PURE__ */ schema(() => z.strictObject({ id: z.uuid({ error: 'Must be a ticket id' }) }));
export const HandOverBody = /* @__PURE__ */ schema(() => z.strictObject({ to: FanName }));
export const OfferBody = /* @__PURE__ */ schema(() => z.strictObject({ price: Cents }));
export const OffersQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery, event_id: EventId }));
export const OfferParams = /* @__PURE__ */ schema(() => z.strictObject({ id: z.uuid({ error: 'Must be a resale offer id' }) }));

const Category = /* @__PURE__ */ schema(() => z.object({ category: z.string(), price: z.number(), capacity: z.number(), available: z.number() }));

export const Event = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    title: z.string(),
    club: z.string(),
    date: z.string(),
    venue: z.string(),
    competition: z.string(),
    price_from: z.number(),
    currency: z.string(),
    seats_available: z.number(),
    hot: z.boolean(),
    vip: z.boolean(),
  }),
);
export const EventDetail = /* @__PURE__ */ schema(() =>
  z.extend(Event, {
    categories: z.array(Category),
    /** When its tickets go on sale (null: on sale); a purchase before is refused `not-on-sale`. */
    on_sale_at: z.nullable(z.string()),
    /** Bought through its waiting room, with a pass (POST /api/tickets/events/{id}/queue). */
    waiting_room: z.boolean(),
    /** The tickets one fan may hold for it. */
    max_per_fan: z.number(),
    /** When its club cancelled it (null: not cancelled): it sells nothing more, and its tickets are refunded. */
    canceled_at: z.nullable(z.string()),
  }),
);

/** Where a fan stands in a match's waiting room. */
export const QueueStatus = /* @__PURE__ */ schema(() =>
  z.object({
    event_id: z.string(),
    status: z.enum(['waiting', 'admitted', 'sold_out', 'closed']),
    /** The fan's place in line, from 1. */
    position: z.nullable(z.number()),
    /** Fans before them still waiting to be admitted. */
    ahead: z.nullable(z.number()),
    estimated_wait_s: z.nullable(z.number()),
    pass: z.nullable(z.string()),
    pass_expires_at: z.nullable(z.string()),
    /** Once sold out: where its tickets are resold. */
    resale: z.optional(z.string()),
  }),
);
export const EventPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Event), next_cursor: z.nullable(z.string()) }));

export const Ticket = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    event: z.object({ id: z.string(), title: z.string(), date: z.string(), venue: z.string() }),
    category: z.string(),
    price: z.number(),
    currency: z.string(),
    status: z.enum(['valid', 'checked_in', 'refunded', 'cancelled']),
    nft: z.boolean(),
    blockchain: z.object({ standard: z.string(), token_id: z.string(), metadata_url: z.string() }),
    created_at: z.string(),
  }),
);
export const Purchase = /* @__PURE__ */ schema(() =>
  z.object({ tickets: z.array(Ticket), total: z.number(), currency: z.string(), display: z.string() }),
);
const Party = /* @__PURE__ */ schema(() => z.object({ id: z.string(), name: z.string() }));
/** Where a ticket has been: bought, then each change of holder, oldest first; fans by name only. */
const Provenance = /* @__PURE__ */ schema(() =>
  z.object({ kind: z.enum(['purchase', 'transfer', 'resale']), from: z.nullable(z.string()), to: z.string(), price: z.nullable(z.number()), at: z.string() }),
);
export const TicketDetail = /* @__PURE__ */ schema(() =>
  z.extend(Ticket, { history: z.array(Provenance), resale: z.nullable(z.object({ offer_id: z.string(), price: z.number() })) }),
);
export const HandOver = /* @__PURE__ */ schema(() => z.object({ ticket: Ticket, to: Party, transferred_at: z.string() }));
export const Offer = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    ticket_id: z.string(),
    event: z.object({ id: z.string(), title: z.string(), date: z.string(), venue: z.string() }),
    category: z.string(),
    face_value: z.number(),
    price: z.number(),
    currency: z.string(),
    display: z.string(),
    status: z.enum(['listed', 'sold', 'withdrawn']),
    created_at: z.string(),
  }),
);
export const OfferPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Offer), next_cursor: z.nullable(z.string()) }));
export const ResalePurchase = /* @__PURE__ */ schema(() =>
  z.object({ ticket: Ticket, offer_id: z.string(), price: z.number(), currency: z.string(), display: z.string() }),
);
export const TicketPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Ticket), next_cursor: z.nullable(z.string()) }));

export const CheckInBody = /* @__PURE__ */ schema(() =>
  z.strictObject({ code: z.string().check(z.minLength(1), z.maxLength(2048)), event_id: EventId }),
);
export const CheckIn = /* @__PURE__ */ schema(() =>
  z.object({
    result: z.enum(['admitted', 'refused']),
    reason: z.optional(z.enum(['invalid_signature', 'expired_code', 'wrong_event', 'already_checked_in', 'transferred', 'canceled', 'listed_for_resale'])),
    ticket: z.optional(z.string()),
    holder: z.optional(z.object({ id: z.string(), name: z.string() })),
    category: z.optional(z.string()),
    checked_in_at: z.optional(z.string()),
  }),
);
/** The refunds of a cancelled match, as far as they got. */
export const Cancellation = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    event_id: z.string(),
    /** `running` while tickets are left to refund; `done` once none is. */
    status: z.enum(['running', 'done']),
    /** The tickets to refund, counted as the match was cancelled (exact once done). */
    tickets: z.number(),
    refunded: z.number(),
    /** Cents paid back into the holders' wallets so far. */
    amount_refunded: z.number(),
    currency: z.string(),
    created_at: z.string(),
    finished_at: z.nullable(z.string()),
  }),
);

export const TicketMetadata = /* @__PURE__ */ schema(() =>
  z.object({
    name: z.string(),
    description: z.string(),
    image: z.string(),
    attributes: z.array(z.object({ trait_type: z.string(), value: z.union([z.string(), z.boolean()]) })),
  }),
);
export const TicketCode = /* @__PURE__ */ schema(() => z.object({ code: z.string(), svg: z.string(), expires_at: z.string() }));
export const Jwks = /* @__PURE__ */ schema(() =>
  z.object({ keys: z.array(z.object({ kid: z.string(), kty: z.string(), crv: z.string(), x: z.string(), alg: z.string(), use: z.string() })) }),
);

export type CancellationView = z.infer<typeof Cancellation>;
export type TicketMetadataView = z.infer<typeof TicketMetadata>;
export type CheckInInput = z.infer<typeof CheckInBody>;
export type CheckInView = z.infer<typeof CheckIn>;
export type EventsFilter = z.infer<typeof EventsQuery>;
export type PurchaseInput = z.infer<typeof PurchaseBody>;
export type TicketsFilter = z.infer<typeof TicketsQuery>;
export type EventView = z.infer<typeof Event>;
export type EventDetailView = z.infer<typeof EventDetail>;
export type QueueView = z.infer<typeof QueueStatus>;
export type TicketView = z.infer<typeof Ticket>;
export type PurchaseView = z.infer<typeof Purchase>;
export type TicketDetailView = z.infer<typeof TicketDetail>;
export type HandOverInput = z.infer<typeof HandOverBody>;
export type HandOverView = z.infer<typeof HandOver>;
export type OfferInput = z.infer<typeof OfferBody>;
export type OffersFilter = z.infer<typeof OffersQuery>;
export type OfferView = z.infer<typeof Offer>;
export type ResalePurchaseView = z.infer<typeof ResalePurchase>;
