import * as z from 'zod/mini';
import { schema } from '../http/schemas';

/** How the app pays a pending deposit: it confirms the PaymentIntent with Stripe's SDK (3-D Secure included). */
export const Payment = /* @__PURE__ */ schema(() =>
  z.object({ provider: z.literal('stripe'), payment_intent_id: z.string(), client_secret: z.string() }),
);

/**
 * A Stripe event as it arrives: checked against its signature before
 * anything in it is read, so the schema holds only what every event has.
 */
export const StripeEventBody = /* @__PURE__ */ schema(() =>
  z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({ object: z.looseObject({}) }) }),
);

const Count = /* @__PURE__ */ schema(() => z.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)));

/** The parts of a PaymentIntent an event's outcome depends on; `metadata` names the deposit it pays. */
export const StripeIntent = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string().check(z.minLength(1), z.maxLength(255)),
    amount_received: Count,
    currency: z.string(),
    metadata: z.record(z.string(), z.string()),
  }),
);

/** The parts of a Dispute (a chargeback) an event's outcome depends on. */
export const StripeDispute = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string().check(z.minLength(1), z.maxLength(255)),
    amount: Count,
    currency: z.string(),
    payment_intent: z.nullable(z.union([z.string(), z.object({ id: z.string() })])),
    status: z.string(),
    reason: z.optional(z.nullable(z.string())),
  }),
);

export const WebhookReceipt = /* @__PURE__ */ schema(() =>
  z.object({
    received: z.literal(true),
    outcome: z.enum(['credited', 'failed', 'disputed', 'closed', 'duplicate', 'unknown', 'ignored']),
  }),
);

export type PaymentView = z.infer<typeof Payment>;
export type StripeEventInput = z.infer<typeof StripeEventBody>;
export type WebhookReceiptView = z.infer<typeof WebhookReceipt>;
