import * as z from 'zod/mini';
import { ClubId, FanName, PageQuery, plainText, schema } from '../http/schemas';
import { Cents } from '../money';

export const EventId = /* @__PURE__ */ schema(() => z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Must be an event id such as asm-psg' })));
const CategoryId = /* @__PURE__ */ schema(() => z.string().check(z.regex(/^[a-z0-9_]{1,40}$/, { error: 'Must be a seat category such as tribune_nord' })));
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
    category: CategoryId,
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

// ---------------------------------------------------------------------------
// The back office's matches (./admin-events.ts).

/** A category's seats: a stand holds a few thousand, the largest stadiums 100,000 in all. */
export const CAPACITY_MAX = 100_000;
const CATEGORIES_MAX = 30;
const Capacity = /* @__PURE__ */ schema(() =>
  z.number().check(z.int({ error: 'Must be a whole number of seats' }), z.minimum(1, { error: 'Must be at least 1 seat' }), z.maximum(CAPACITY_MAX)),
);
/** A seat's price in cents: at most €100,000. */
const SeatPrice = /* @__PURE__ */ schema(() => Cents.check(z.maximum(10_000_000, { error: 'Must be at most 10000000 cents' })));
const Label = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), plainText());
const future = (at: string) => Date.parse(at) > Date.now();
/** A kick-off: ahead, and within five years. */
const KickOff = /* @__PURE__ */ schema(() =>
  z.iso.datetime({ offset: true }).check(
    z.refine((at) => future(at) && Date.parse(at) < Date.now() + 5 * 366 * 86_400_000, { error: 'Must be a time ahead, within five years' }),
  ),
);
const OnSaleAt = /* @__PURE__ */ schema(() => z.nullable(z.iso.datetime({ offset: true })));
const distinctCategories = (categories: { category: string }[]) => new Set(categories.map((c) => c.category)).size === categories.length;
const DistinctCategories = { error: 'Each category must appear once', path: ['categories'] };
/** What the back office sets of a match, but its club, id and categories. */
const SaleSettings = /* @__PURE__ */ schema(() => z.strictObject({
  title: Label(120),
  date: KickOff,
  venue: Label(120),
  country: z.string().check(z.trim(), z.toUpperCase(), z.regex(/^[A-Z]{2}$/, { error: 'Must be an ISO 3166 country code such as FR' })),
  competition: Label(80),
  hot: z.boolean(),
  vip: z.boolean(),
  /** null: on sale at once. */
  on_sale_at: OnSaleAt,
  waiting_room: z.boolean(),
  /** Fans the waiting room admits a minute; null: the platform's rate. */
  admit_per_minute: z.nullable(z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000))),
  max_per_fan: z.number().check(z.int(), z.minimum(1), z.maximum(50)),
}));

export const NewEventBody = /* @__PURE__ */ schema(() =>
  z
    .extend(SaleSettings, {
      club: ClubId,
      /** A readable slug; without it one is made from the title and the date. */
      id: z.optional(EventId),
      admit_per_minute: z.optional(SaleSettings.shape.admit_per_minute),
      categories: z.array(z.strictObject({ category: CategoryId, price: SeatPrice, capacity: Capacity })).check(z.minLength(1), z.maxLength(CATEGORIES_MAX)),
    })
    .check(
      z.refine((b) => distinctCategories(b.categories), DistinctCategories),
      z.refine((b) => b.on_sale_at === null || Date.parse(b.on_sale_at) < Date.parse(b.date), { error: 'Must be before the match', path: ['on_sale_at'] }),
    ),
);

/** Any field but the club and the id; categories named are changed (price, capacity) or added (with both). */
export const EventChangeBody = /* @__PURE__ */ schema(() =>
  z
    .extend(z.partial(SaleSettings), {
      categories: z.optional(
        z.array(z.strictObject({ category: CategoryId, price: z.optional(SeatPrice), capacity: z.optional(Capacity) })).check(z.minLength(1), z.maxLength(CATEGORIES_MAX)),
      ),
    })
    .check(
      z.refine((b) => Object.values(b).some((v) => v !== undefined), { error: 'Send at least one field to change' }),
      z.refine((b) => !b.categories || distinctCategories(b.categories), DistinctCategories),
    ),
);

export const AdminEventsQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery, club: z.optional(ClubId) }));

const AdminCategory = /* @__PURE__ */ schema(() =>
  z.object({ category: z.string(), price: z.number(), capacity: z.number(), sold: z.number(), left: z.number() }),
);
/** A match as its club's back office sees it: every sale setting, and what each category has sold. */
export const AdminEvent = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    club: z.string(),
    title: z.string(),
    date: z.string(),
    venue: z.string(),
    country: z.string(),
    competition: z.string(),
    hot: z.boolean(),
    vip: z.boolean(),
    price_from: z.number(),
    currency: z.string(),
    on_sale_at: z.nullable(z.string()),
    waiting_room: z.boolean(),
    admit_per_minute: z.nullable(z.number()),
    max_per_fan: z.number(),
    capacity: z.number(),
    sold: z.number(),
    seats_available: z.number(),
    categories: z.array(AdminCategory),
    created_at: z.string(),
    /** When it was cancelled (POST …/cancel); null while it stands. */
    canceled_at: z.nullable(z.string()),
  }),
);
export const AdminEventPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(AdminEvent), next_cursor: z.nullable(z.string()) }));

export type NewEventInput = z.infer<typeof NewEventBody>;
export type EventChangeInput = z.infer<typeof EventChangeBody>;
export type AdminEventsFilter = z.infer<typeof AdminEventsQuery>;
export type AdminEventView = z.infer<typeof AdminEvent>;
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
