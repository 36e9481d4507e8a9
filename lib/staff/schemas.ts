import * as z from 'zod/mini';
import { ClubId, FanName, PageQuery, schema } from '../http/schemas';

export const ROLES = ['admin', 'steward', 'moderator'] as const;
/** A role in a club: `admin` runs its back office, `steward` checks tickets in, `moderator` clears reports. */
export const Role = /* @__PURE__ */ schema(() => z.enum(ROLES));
export type Role = z.infer<typeof Role>;

export const ClubParams = /* @__PURE__ */ schema(() => z.strictObject({ club: ClubId }));
export const RoleParams = /* @__PURE__ */ schema(() => z.strictObject({ club: ClubId, user: z.uuid({ error: 'Must be a user id' }), role: Role }));
export const GrantBody = /* @__PURE__ */ schema(() => z.strictObject({ user: FanName, role: Role }));
export type GrantInput = z.infer<typeof GrantBody>;

/** `?club=` narrows a back-office list to one of the staff member's clubs; without it, all of them. */
export const ClubScope = /* @__PURE__ */ schema(() => ({ club: z.optional(ClubId) }));
export const AuditQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery, ...ClubScope }));
export type AuditFilter = z.infer<typeof AuditQuery>;

const Person = /* @__PURE__ */ schema(() => z.object({ id: z.string(), email: z.string(), name: z.string() }));

export const StaffRole = /* @__PURE__ */ schema(() =>
  z.object({
    club: z.string(),
    user: Person,
    role: Role,
    granted_at: z.string(),
    /** Who granted it; null for an operator's `npm run grant`, or the demo data. */
    granted_by: z.nullable(z.string()),
  }),
);
export type StaffRoleView = z.infer<typeof StaffRole>;
export const StaffRoles = /* @__PURE__ */ schema(() => z.object({ items: z.array(StaffRole) }));

export const AuditEntry = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    club: z.string(),
    /** Who made the change, with the role they made it in; null for an operator on the command line. */
    actor: z.nullable(z.object({ id: z.string(), name: z.string() })),
    role: z.string(),
    /** `<object>.<verb>`: `event.create`, `order.ship`, `role.grant`, … */
    action: z.string(),
    object: z.object({ type: z.string(), id: z.string() }),
    before: z.unknown(),
    after: z.unknown(),
    request_id: z.string(),
    at: z.string(),
  }),
);
export type AuditEntryView = z.infer<typeof AuditEntry>;
export const AuditPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(AuditEntry), next_cursor: z.nullable(z.string()) }));

/** An ISO date (a whole day, UTC) or date-time with its offset. */
const Instant = /* @__PURE__ */ schema(() => z.union([z.iso.date(), z.iso.datetime({ offset: true })]));
export const SalesQuery = /* @__PURE__ */ schema(() => z.strictObject({ from: z.optional(Instant), to: z.optional(Instant), ...ClubScope }));
export type SalesFilter = z.infer<typeof SalesQuery>;

const Cents = /* @__PURE__ */ schema(() => z.number());
export const ClubSales = /* @__PURE__ */ schema(() =>
  z.object({
    club: z.string(),
    /** Per match and seat category: tickets sold and refunded in the period, and what they brought (sales minus refunds, in cents). */
    tickets: z.array(
      z.object({ event_id: z.string(), title: z.string(), date: z.string(), category: z.string(), sold: z.number(), refunded: z.number(), revenue: Cents }),
    ),
    /** Per product: units sold and refunded (cancelled orders), and revenue. */
    products: z.array(z.object({ product_id: z.string(), name: z.string(), sold: z.number(), refunded: z.number(), revenue: Cents })),
    /** Per day (UTC) with any movement: ticket and shop revenue (net of refunds), the refunds among them, and their sum. */
    days: z.array(z.object({ day: z.string(), tickets_revenue: Cents, shop_revenue: Cents, refunds: Cents, revenue: Cents })),
    totals: z.object({ tickets_revenue: Cents, shop_revenue: Cents, refunds: Cents, revenue: Cents }),
  }),
);
export type ClubSalesView = z.infer<typeof ClubSales>;
export const Sales = /* @__PURE__ */ schema(() =>
  z.object({
    /** The period, `from` included, `to` not: a date as `to` includes its whole day. */
    from: z.string(),
    to: z.string(),
    currency: z.string(),
    clubs: z.array(ClubSales),
  }),
);
