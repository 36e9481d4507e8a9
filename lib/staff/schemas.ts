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
