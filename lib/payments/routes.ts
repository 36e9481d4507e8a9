import { route } from '../http/route';
import { StripeEventBody, WebhookReceipt } from './schemas';

export const stripeWebhook = /* @__PURE__ */ route({
  operationId: 'stripeWebhook',
  method: 'POST',
  path: '/api/payments/webhooks/stripe',
  summary: "Stripe's events (payments received or failed, chargebacks), signed: Stripe-Signature over the raw body",
  tags: ['payments'],
  auth: 'none',
  limit: 'payment-webhooks',
  body: StripeEventBody,
  responses: {
    200: { description: 'Applied once, or acknowledged and logged (an event of a type or for a payment the API does not act on)', schema: WebhookReceipt },
    400: { description: 'A bad, missing or stale signature (changes nothing), or an object this API cannot read' },
    409: { description: 'Early: a dispute closed before its opening arrived; Stripe delivers it again later' },
    503: { description: 'The database is unavailable: Stripe delivers the event again' },
  },
});
