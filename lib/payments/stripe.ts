import type Stripe from 'stripe';
import { config } from '../config';
import { badRequest, ProblemError, unavailable } from '../http/problem';
import { isUuid } from '../ids';
import { logger } from '../log';
import { StripeDispute, StripeIntent } from './schemas';
import type { Collection, PaymentEvent, PaymentProvider } from './types';

/** How old a signed event may be: Stripe's own default, which its retries respect (they are signed anew). */
const TOLERANCE_S = 300;

// Imported on first use: most functions that can reach a provider never do
// on a given invocation, and the SDK is most of their bundle.
const sdk = async () => (await import('stripe')).default;

let client: { settings: string; stripe: Stripe } | undefined;

/**
 * The container's client, made again if its settings change (tests point it
 * at a stand-in of Stripe's API). Its calls give up in time for the Lambda
 * to answer 503 rather than be cut off: 3 s each, one retry, the SDK's own,
 * which repeats the request's Idempotency-Key.
 */
const stripe = async (): Promise<Stripe> => {
  const key = config.stripeSecretKey();
  if (!key) throw new Error('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY.');
  const base = config.stripeApiBase();
  const settings = `${key} ${base ?? ''}`;
  if (client?.settings !== settings) {
    const Sdk = await sdk();
    const at = base ? new URL(base) : undefined;
    const protocol = at?.protocol === 'http:' ? 'http' : 'https';
    client = {
      settings,
      stripe: new Sdk(key, {
        ...(at ? { host: at.hostname, port: Number(at.port || (protocol === 'http' ? 80 : 443)), protocol } : {}),
        timeout: 3000,
        maxNetworkRetries: 1,
        telemetry: false,
        appInfo: { name: 'paiecashfan-api' },
      }),
    };
  }
  return client.stripe;
};

/**
 * Stripe down, slow, limiting us, or still busy with the same key (409):
 * the fan retries with the same Idempotency-Key, which finds the same
 * PaymentIntent.
 */
const unreachable = (error: unknown): boolean => {
  const { type, statusCode } = error as { type?: string; statusCode?: number };
  return type === 'StripeConnectionError' || type === 'StripeAPIError' || type === 'StripeRateLimitError' || statusCode === 409;
};

/**
 * A deposit's PaymentIntent, in euros, naming the deposit and the fan in its
 * metadata (its events name them back). Created with an Idempotency-Key of
 * Stripe's derived from the deposit, which the fan's own key opened: a retry
 * of the fan's request, or of ours, never creates a second one. Once its id
 * is recorded, it is retrieved instead (Stripe forgets keys after a day).
 */
const collect = async (deposit: Collection, known: string | undefined) => {
  const api = await stripe();
  const intent = await reaching(() =>
    known
      ? api.paymentIntents.retrieve(known)
      : api.paymentIntents.create(
          {
            amount: deposit.amount,
            currency: deposit.currency.toLowerCase(),
            metadata: { deposit_id: deposit.deposit_id, user_id: deposit.user_id },
            automatic_payment_methods: { enabled: true },
            description: 'PaieCashFan wallet top-up',
          },
          { idempotencyKey: `deposit-${deposit.deposit_id}` },
        ),
  );
  if (!intent.client_secret) throw new Error(`PaymentIntent ${intent.id} came without a client secret`);
  return { provider: 'stripe' as const, payment_intent_id: intent.id, client_secret: intent.client_secret };
};

/**
 * Cancels a deposit's PaymentIntent (found as `collect` finds it). One that
 * has gone past cancelling, paid or cancelled already, answers Stripe's
 * `payment_intent_unexpected_state`: its own state then says which.
 */
const cancel = async (deposit: Collection, known: string | undefined) => {
  const api = await stripe();
  const payment = known ?? (await collect(deposit, undefined)).payment_intent_id;
  const intent = await reaching(() =>
    api.paymentIntents.cancel(payment, { cancellation_reason: 'abandoned' }).catch((error: { code?: string }) => {
      if (error.code !== 'payment_intent_unexpected_state') throw error;
      return api.paymentIntents.retrieve(payment);
    }),
  );
  return { payment, canceled: intent.status === 'canceled' };
};

/** A call to Stripe, whose unavailability is answered 503 (lib/http/problem's `unavailable`). */
const reaching = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    if (!unreachable(error)) throw error;
    logger.warn('payment provider unavailable', { provider: 'stripe', error: String(error) });
    throw unavailable('The payment provider did not answer; retry with the same Idempotency-Key.');
  }
};

/** Stripe's smallest charge in euros is €0.50. */
export const stripeProvider: PaymentProvider = { name: 'stripe', minimum: 50, collect, cancel };

const badSignature = () =>
  new ProblemError(400, 'invalid-signature', 'Stripe-Signature must sign this exact body with the endpoint\'s secret, less than 5 minutes ago.');

/** The object of an event of a type the API acts on; one it cannot read is refused, so that Stripe sends it again. */
const read = <T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, event: Stripe.Event): T => {
  const parsed = schema.safeParse(event.data.object);
  if (parsed.success) return parsed.data;
  logger.error('payment event unreadable', { provider: 'stripe', event_id: event.id, type: event.type });
  throw badRequest(`The object of this ${event.type} event is not one this API can read.`);
};

const paymentOf = (dispute: { payment_intent: string | { id: string } | null }) =>
  typeof dispute.payment_intent === 'string' ? dispute.payment_intent : (dispute.payment_intent?.id ?? null);

/** A signed Stripe event, as what it means for the books. */
const meaning = (event: Stripe.Event): PaymentEvent => {
  const about = { id: event.id, type: event.type };
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled': {
      const intent = read(StripeIntent, event);
      const deposit = intent.metadata.deposit_id;
      if (!deposit || !isUuid(deposit)) return { ...about, kind: 'ignored', why: 'a PaymentIntent that pays no deposit' };
      if (event.type !== 'payment_intent.succeeded') return { ...about, kind: 'failed', deposit, payment: intent.id, final: event.type === 'payment_intent.canceled' };
      if (intent.currency !== 'eur' || intent.amount_received === 0) return { ...about, kind: 'ignored', why: `nothing received in euros (${intent.amount_received} ${intent.currency})` };
      return { ...about, kind: 'paid', deposit, payment: intent.id, received: intent.amount_received };
    }
    case 'charge.dispute.created': {
      const dispute = read(StripeDispute, event);
      const payment = paymentOf(dispute);
      if (!payment || dispute.currency !== 'eur' || dispute.amount === 0) return { ...about, kind: 'ignored', why: 'a dispute of no euro PaymentIntent' };
      return { ...about, kind: 'disputed', dispute: dispute.id, payment, amount: dispute.amount, reason: dispute.reason ?? null };
    }
    case 'charge.dispute.closed': {
      const dispute = read(StripeDispute, event);
      // `warning_closed`: an inquiry that never became a chargeback, no money kept by the bank.
      return { ...about, kind: 'dispute-closed', dispute: dispute.id, payment: paymentOf(dispute), won: dispute.status === 'won' || dispute.status === 'warning_closed' };
    }
    default:
      return { ...about, kind: 'ignored', why: 'a type this API does not act on' };
  }
};

/**
 * Checks a delivery's `Stripe-Signature` over the raw body with the SDK
 * (HMAC-SHA256 with the endpoint's secret, at most 5 minutes old) and reads
 * the event. Nothing else in the body is trusted before that.
 */
export const stripeEvent = async (rawBody: Buffer | undefined, signature: string | undefined): Promise<PaymentEvent> => {
  const secret = config.stripeWebhookSecret();
  if (!secret) throw unavailable("Stripe's events cannot be checked: STRIPE_WEBHOOK_SECRET is not set.");
  const Sdk = await sdk();
  let event: Stripe.Event;
  try {
    event = Sdk.webhooks.constructEvent(rawBody ?? Buffer.alloc(0), signature ?? '', secret, TOLERANCE_S);
  } catch (error) {
    if (error instanceof Sdk.errors.StripeSignatureVerificationError) throw badSignature();
    throw error;
  }
  return meaning(event);
};
