/**
 * A stand-in of Stripe's API for the SDK's calls this API makes, started by
 * the tests (STRIPE_API_BASE points the SDK at it): PaymentIntents created
 * under Stripe's idempotency rules (a key with the same parameters answers
 * its first response again, marked `Idempotent-Replayed`; with other
 * parameters, 400 `idempotency_error`), retrieved, and paid or failed as an
 * app's confirmation would; and the events Stripe then sends, signed with
 * the SDK's own `generateTestHeaderString`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { vi } from 'vitest';

export type Intent = {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: 'requires_payment_method' | 'succeeded' | 'canceled';
  client_secret: string;
  metadata: Record<string, string>;
  description: string | null;
  created: number;
  livemode: false;
};

export type StandIn = {
  /** The base URL, for STRIPE_API_BASE. */
  url: string;
  intents: Map<string, Intent>;
  /** Every request, in order: `POST /v1/payment_intents` and its Idempotency-Key, … (`…/cancel` cancels one still unpaid). */
  requests: Array<{ method: string; path: string; key: string | undefined }>;
  /** The next `count` requests answer 500, as Stripe does when it is in trouble. */
  failNext(count: number): void;
  /** The PaymentIntent paid: succeeded, with `received` (its amount unless said). */
  pay(id: string, received?: number): Intent;
  cancel(id: string): Intent;
  close(): Promise<void>;
};

const token = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** `a[b]=c` form fields, one level deep, as the SDK encodes parameters. */
const parseForm = (body: string): Record<string, unknown> => {
  const params: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const nested = /^(\w+)\[(\w+)\]$/.exec(name);
    if (nested) params[nested[1]!] = { ...(params[nested[1]!] as object | undefined), [nested[2]!]: value };
    else params[name] = value;
  }
  return params;
};

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const error = (status: number, type: string, message: string, code?: string) => ({ status, body: { error: { type, message, ...(code ? { code } : {}) } } });

export const startStripeStandIn = async (): Promise<StandIn> => {
  const intents = new Map<string, Intent>();
  const requests: StandIn['requests'] = [];
  const answered = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  let failing = 0;

  const create = (params: Record<string, unknown>) => {
    const amount = Number(params.amount);
    if (!Number.isInteger(amount) || amount < 50) return error(400, 'invalid_request_error', 'Amount must be at least €0.50 eur', 'amount_too_small');
    const id = token('pi');
    const intent: Intent = {
      id,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      currency: String(params.currency),
      status: 'requires_payment_method',
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      metadata: (params.metadata as Record<string, string> | undefined) ?? {},
      description: (params.description as string | undefined) ?? null,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    };
    intents.set(id, intent);
    return { status: 200, body: intent };
  };

  const route = (method: string, path: string, params: Record<string, unknown>) => {
    if (method === 'POST' && path === '/v1/payment_intents') return create(params);
    const found = /^\/v1\/payment_intents\/(\w+)(\/cancel)?$/.exec(path);
    const intent = found && intents.get(found[1]!);
    if (found && !intent) return error(404, 'invalid_request_error', `No such payment_intent: '${found[1]}'`, 'resource_missing');
    if (method === 'GET' && intent && !found![2]) return { status: 200, body: intent };
    if (method === 'POST' && intent && found![2]) {
      if (intent.status !== 'requires_payment_method') {
        return error(400, 'invalid_request_error', `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`, 'payment_intent_unexpected_state');
      }
      return { status: 200, body: Object.assign(intent, { status: 'canceled' as const }) };
    }
    return error(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await read(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const key = req.headers['idempotency-key'] as string | undefined;
    requests.push({ method: req.method ?? 'GET', path: url.pathname, key });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': token('req'), ...headers });
      res.end(JSON.stringify(payload));
    };
    if (!/^Bearer sk_test_\w+$/.test(req.headers.authorization ?? '')) return send(401, error(401, 'invalid_request_error', 'Invalid API Key provided').body);
    if (failing > 0) {
      failing--;
      return send(500, error(500, 'api_error', 'Something went wrong on the stand-in.').body);
    }
    const params = parseForm(body);
    if (req.method === 'POST' && key) {
      const fingerprint = createHash('sha256').update(`${url.pathname} ${body}`).digest('hex');
      const first = answered.get(key);
      if (first && first.fingerprint !== fingerprint) {
        const refused = error(400, 'idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.');
        return send(refused.status, refused.body);
      }
      if (first) return send(first.status, first.body, { 'idempotent-replayed': 'true' });
      const outcome = route('POST', url.pathname, params);
      answered.set(key, { fingerprint, ...outcome });
      return send(outcome.status, outcome.body);
    }
    const outcome = route(req.method ?? 'GET', url.pathname, params);
    send(outcome.status, outcome.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const intent = (id: string) => {
    const found = intents.get(id);
    if (!found) throw new Error(`the stand-in has no PaymentIntent ${id}`);
    return found;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    intents,
    requests,
    failNext: (count) => void (failing = count),
    pay: (id, received) => Object.assign(intent(id), { status: 'succeeded' as const, amount_received: received ?? intent(id).amount }),
    cancel: (id) => Object.assign(intent(id), { status: 'canceled' as const }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** The secret STRIPE_WEBHOOK_SECRET holds in tests (test/support/global-setup.ts). */
export const webhookSecret = () => process.env.STRIPE_WEBHOOK_SECRET!;

/** An event as Stripe sends it about `object`, a fresh id each. */
export const stripeEventOf = (type: string, object: unknown) => ({
  id: token('evt'),
  object: 'event',
  api_version: Stripe.API_VERSION,
  created: Math.floor(Date.now() / 1000),
  type,
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
});

/** A chargeback of `amount` on the PaymentIntent, as Stripe's Dispute object. */
export const disputeOf = (intent: Intent, amount: number, status = 'needs_response', id = token('dp')) => ({
  id,
  object: 'dispute',
  amount,
  currency: 'eur',
  charge: token('ch'),
  payment_intent: intent.id,
  reason: 'fraudulent',
  status,
  created: Math.floor(Date.now() / 1000),
  livemode: false,
});

type Signing = { secret?: string; at?: number };

/** The Stripe-Signature the SDK computes for these bytes: with the tests' secret, now, unless `at` says when (in seconds). */
export const stripeSignature = (payload: string, options: Signing = {}) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? webhookSecret(), ...(options.at ? { timestamp: options.at } : {}) });

/** A delivery of the event: its raw body and its signature. */
export const signed = (event: unknown, options: Signing = {}) => {
  const payload = JSON.stringify(event);
  return { payload, signature: stripeSignature(payload, options) };
};

/** Top-ups through Stripe, the SDK pointed at the stand-in, until the test unstubs the environment. */
export const collectThrough = (stripe: StandIn): StandIn => {
  vi.stubEnv('PAYMENT_PROVIDER', 'stripe');
  vi.stubEnv('STRIPE_SECRET_KEY', 'sk_test_stand_in');
  vi.stubEnv('STRIPE_API_BASE', stripe.url);
  return stripe;
};

/** Runs `test` with top-ups through a stand-in of its own, then puts the environment back. */
export const withStripe = async <T>(test: (stripe: StandIn) => Promise<T>): Promise<T> => {
  const stripe = collectThrough(await startStripeStandIn());
  try {
    return await test(stripe);
  } finally {
    vi.unstubAllEnvs();
    await stripe.close();
  }
};
