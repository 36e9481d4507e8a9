import { publicApi } from '../../lib/http/api';
import { stripeWebhook } from '../../lib/payments/routes';
import { stripeEvent } from '../../lib/payments/stripe';
import { recordPaymentEvent } from '../../lib/wallet/deposits';

export const handler = publicApi(stripeWebhook, async ({ request }) => ({
  status: 200,
  body: await recordPaymentEvent(await stripeEvent(request.rawBody, request.header('stripe-signature'))),
}));
