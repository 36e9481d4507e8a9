import * as z from 'zod/mini';
import { schema } from '../http/schemas';

export const CloseAccountBody = /* @__PURE__ */ schema(() =>
  z.strictObject({ password: z.string().check(z.minLength(1), z.maxLength(1024)) }),
);

const Rows = /* @__PURE__ */ schema(() => z.array(z.record(z.string(), z.unknown())));
const Row = /* @__PURE__ */ schema(() => z.nullable(z.record(z.string(), z.unknown())));

/**
 * Everything the service holds about the fan (GDPR articles 15 and 20). Of
 * another fan it names only what the fan saw: their id and name on a
 * payment, a ticket's handover or an offer.
 */
export const DataExport = /* @__PURE__ */ schema(() =>
  z.object({
    exported_at: z.string(),
    profile: z.object({ id: z.string(), email: z.string(), name: z.string(), club_id: z.nullable(z.string()), created_at: z.string(), updated_at: z.string() }),
    club_roles: Rows,
    sessions: Rows,
    wallet: Row,
    ledger: Rows,
    deposits: Rows,
    disputes: Rows,
    money_requests: Rows,
    orders: Rows,
    tickets: Rows,
    ticket_handovers: Rows,
    resale_offers: Rows,
    esims: Rows,
    messages: Rows,
    posts: Rows,
    likes: Rows,
    reports: Rows,
    blocks: Rows,
    recommendations: Rows,
    recommendation_feedback: Rows,
    insights: Row,
    notifications: Rows,
  }),
);

export type CloseAccountInput = z.infer<typeof CloseAccountBody>;
