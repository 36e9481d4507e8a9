/**
 * Hostile inputs against every HTTP operation of serverless.yml, in-process
 * through its real handler: malformed, mistyped, oversized and hostile
 * tokens, path parameters, queries, bodies and headers.
 *
 * Every answer must be below 500; a 4xx must be problem+json with
 * {type, title, status, detail} and `status` equal to the HTTP status; and
 * no money may move: the hostile fans keep a zero balance and no ledger
 * entry, and the fans' wallets and the transfers change only by what other
 * test files (running in parallel) committed meanwhile, which is nothing
 * when this file runs alone.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { handler as cartAdd } from '../../functions/shop/cart-add';
import { AUDIENCE, ISSUER } from '../../lib/auth/tokens';
import { db } from '../../lib/db';
import type { Route } from '../../lib/http/route';
import { routes } from '../../lib/routes';
import { newFan, uniqueEmail, type Fan } from '../support/fans';
import { invoke, randomIp, type Answer, type Call } from '../support/http';
import { stripeEventOf, stripeSignature } from '../support/stripe';
import { key } from '../support/wallet';

// ---------------------------------------------------------------------------
// The operations: serverless.yml's httpApi functions, each with its route.

type HttpApi = string | { method: string; path: string };
type Fn = { handler: string; events?: { httpApi?: HttpApi; schedule?: unknown }[] };
type Operation = { name: string; method: string; path: string; file: string; route: Route; handler: unknown };

const root = fileURLToPath(new URL('../../', import.meta.url));
const functions = (parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as { functions: Record<string, Fn> }).functions;

const operations: Operation[] = [];
for (const [name, fn] of Object.entries(functions)) {
  for (const event of fn.events ?? []) {
    const api = event.httpApi;
    // The schedule and the catch-all '*' are not operations.
    if (!api || typeof api === 'string') continue;
    const file = /^(.+)\.handler$/.exec(fn.handler)?.[1];
    if (!file) throw new Error(`${name}: handler ${fn.handler} is not <file>.handler`);
    const method = api.method.toUpperCase();
    const route = routes.find((r) => r.method === method && r.path === api.path);
    if (!route) throw new Error(`${name}: no route in lib/routes.ts for ${method} ${api.path}`);
    const module = (await import(join(root, `${file}.ts`))) as { handler: unknown };
    operations.push({ name, method, path: api.path, file, route, handler: module.handler });
  }
}

// ---------------------------------------------------------------------------
// Hostile values.

const PRODUCT = 'asm-home-2026';
const PLAN = 'uk-10gb-15d';
const OTHER_PLAN = 'eu-5gb-7d';
/** Over the €1,000 a deposit may be: refused, so a deposit that passes validation still moves nothing. */
const REFUSED_DEPOSIT = 100_001;
const BODY_LIMIT = 64 * 1024;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const nested = (depth: number, leaf: string, open: (s: string) => string) => {
  let json = leaf;
  for (let i = 0; i < depth; i++) json = open(json);
  return json;
};
const deepObject = (depth: number) => nested(depth, '1', (inner) => `{"a":${inner}}`);
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Strings that no schema should choke on (some may be valid for a free-text field). */
const HOSTILE_STRINGS: [string, string][] = [
  ['10 000 chars', 'x'.repeat(10_000)],
  ['control chars', 'a\u0001b\u001fc\u007f'],
  ['NUL byte', 'a\u0000b'],
  ['only NUL', '\u0000'],
  ['CRLF', 'a\r\nSet-Cookie: x=1'],
  ['unicode, RTL, emoji', 'Ünïcødé \u202e🏟️⚽ 中文'],
  ['zero width', '\u200b\u200d\ufeff'],
  ['lone surrogate', 'a\ud800b'],
  ['SQL-ish', "' or 1=1 --"],
  ['SQL stacked', "x'); drop table wallets; --"],
  ['path traversal', '../../etc/passwd'],
  ['empty', ''],
  ['blank', '   '],
  ['html', '<script>alert(1)</script>'],
  ['template', '${jndi:ldap://x}{{7*7}}%s%n'],
  ['NaN', 'NaN'],
  ['Infinity', '-Infinity'],
  ['number-ish', '1e308'],
];

/** Values of the wrong JSON type for a field of `kind`. */
const wrongTypes = (kind: string): [string, unknown][] =>
  (
    [
      ['string', '100'],
      ['number', 100],
      ['boolean', true],
      ['object', { $gt: '' }],
      ['array', ['card']],
    ] as [string, unknown][]
  ).filter(([k]) => k !== kind);

/** Numbers no amount, quantity or megabyte count accepts. */
const BAD_NUMBERS: [string, number][] = [
  ['negative', -1],
  ['fractional cents', 10.5],
  ['1e308', 1e308],
  ['past MAX_SAFE_INTEGER', 2 ** 53 + 2],
  ['1e21', 1e21],
  ['tiny', 1e-300],
];

/** Number fields where a negative value means something (a stock change takes units out): -1 there is no hostile input. */
const SIGNED_FIELDS: Record<string, string[]> = { adminChangeStock: ['change'] };

/**
 * `unknown`: a value of the parameter's form that names nothing, found (404);
 * undefined for a parameter from a closed set (a role), where any other value is 400.
 */
const PARAM_VALUES = (kind: 'uuid' | 'slug', unknown: string | undefined): [string, string, number[]?][] => [
  ['empty', '', [400]],
  ['blank', ' ', [400]],
  ['5000 chars', 'a'.repeat(5000), [400]],
  ['SQL-ish', "' or 1=1 --", [400]],
  ['unicode', 'ünî©ødé-⚽', [400]],
  ['NUL byte', 'abc\u0000def', [400]],
  ['path traversal', '../../etc/passwd', [400]],
  ['encoded traversal', '%2e%2e%2f%2e%2e%2f', [400]],
  ['CRLF', 'a\r\nb', [400]],
  kind === 'uuid' ? ['non-uuid', 'not-a-uuid', [400]] : ['uuid where a slug is expected', randomUUID()],
  kind === 'uuid' ? ['unknown uuid', randomUUID(), [404]] : ['unknown slug', unknown ?? 'no-such-thing-999', [unknown ? 404 : 400]],
  ['upper-case uuid', randomUUID().toUpperCase()],
  ['nil uuid', '00000000-0000-0000-0000-000000000000'],
  ['max uuid', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  ['uuid with SQL tail', `${randomUUID()}' or '1'='1`, [400]],
  ['uuid with NUL tail', `${randomUUID()}\u0000`, [400]],
];

const CURSORS: [string, string][] = [
  ['garbage', 'garbage'],
  ['5000 chars', 'A'.repeat(5000)],
  ['200 chars', 'A'.repeat(200)],
  ['not base64', '%%%!!!'],
  ['control chars', 'ab\u0001\u0000cd'],
  ['seq -1', b64([-1])],
  ['seq 1.5', b64([1.5])],
  ['seq max', b64([Number.MAX_SAFE_INTEGER])],
  ['seq as string', b64(['1'])],
  ['timestamp out of range', b64(['2024-13-45 99:99:99+00', randomUUID()])],
  ['year 0000', b64(['0000-01-01 00:00:00+00', randomUUID()])],
  ['offset +99', b64(['2024-01-01 00:00:00+99:99', randomUUID()])],
  ['timestamp and upper-case uuid', b64(['2024-01-01 00:00:00+00', randomUUID().toUpperCase()])],
  ['swapped parts', b64([randomUUID(), '2024-01-01 00:00:00+00'])],
  ['slug 65 chars', b64(['a'.repeat(65)])],
  ['slug SQL-ish', b64(["x' or 1=1 --"])],
  ['object with __proto__', Buffer.from('{"__proto__":1}').toString('base64url')],
  ['nested', Buffer.from(deepArray(60)).toString('base64url')],
  ['empty array', b64([])],
  ['null', b64(null)],
];

// ---------------------------------------------------------------------------
// The fans and tokens.

let fan: Fan; // the fan the current operation's hostile calls are made as: a fresh one per operation, never funded
let other: Fan; // the fan payments and requests are aimed at: never funded
const hostileFans: string[] = [];
let tokens: [string, string, boolean][]; // label, Authorization header, must be 401
const secret = () => new TextEncoder().encode(process.env.JWT_SECRET);

const forge = (claims: Record<string, unknown>, signingKey = secret()) =>
  new SignJWT({ sub: fan.id, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 900, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(signingKey);

/** A fresh fan, never funded, and the Authorization headers to try as them. */
const enlist = async () => {
  fan = await newFan();
  hostileFans.push(fan.id);
  const foreignKey = new TextEncoder().encode('not-our-secret-but-long-enough-0123456789');
  tokens = [
    ['Bearer garbage', 'Bearer garbage', true],
    ['Bearer (empty)', 'Bearer ', true],
    ['Bearer a.b.c', 'Bearer a.b.c', true],
    ['alg: none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: fan.id, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 900 })}.`, true],
    ['expired', `Bearer ${await forge({ iat: now() - 7200, exp: now() - 3600 })}`, true],
    ['signed with another key', `Bearer ${await forge({}, foreignKey)}`, true],
    ['sub not a uuid', `Bearer ${await forge({ sub: "' or 1=1 --" })}`, true],
    ['a refresh token', `Bearer ${fan.refresh}`, true],
    ['10 000 chars', `Bearer ${'a'.repeat(10_000)}`, true],
    ['token with NUL', `Bearer ${fan.token}\u0000`, true],
    ['Basic credentials', `Basic ${Buffer.from(`${fan.email}:${fan.password}`).toString('base64')}`, true],
    // Our own signature: valid, however far its expiry (only the secret's holder can make one).
    ['exp 1e308', `Bearer ${await forge({ exp: 1e308 })}`, false],
    // Well signed, for an account that does not exist (a deleted fan's last token, a restored database).
    ['valid signature, unknown user', `Bearer ${await forge({ sub: randomUUID() })}`, false],
  ];
};

// ---------------------------------------------------------------------------
// The cases of one operation.

type Case = { label: string; call: Call; expect?: number[] };

const REPLAY = {
  first: 'Idempotency-Key: first use',
  again: 'Idempotency-Key: the same request again (a replay)',
  another: 'Idempotency-Key: the same key with another request',
} as const;

/** A schema-valid input that is refused or harmless (never moves money): the base each case mutates. */
type Baseline = { body?: Record<string, unknown>; params?: Record<string, string>; query?: Record<string, string> };

const signature = (raw: string) => createHmac('sha512', process.env.ESIM_WEBHOOK_SECRET ?? '').update(raw).digest('hex');
/** The webhooks, each with the header its sender signs the raw body with. */
const SIGNERS: Record<string, (raw: string) => Record<string, string>> = {
  esimUsageWebhook: (raw) => ({ 'x-signature': signature(raw) }),
  stripeWebhook: (raw) => ({ 'stripe-signature': stripeSignature(raw) }),
};
const usageReport = (overrides: Record<string, unknown> = {}) => ({
  iccid: `8999${String(Date.now())}${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`,
  used_mb: 1,
  at: new Date().toISOString(),
  ...overrides,
});

const baselines: Record<string, () => Baseline> = {
  health: () => ({}),
  openApi: () => ({}),
  docs: () => ({}),
  docsAsset: () => ({ params: { asset: 'docs.js' } }),
  register: () => ({ body: { email: uniqueEmail('hostile'), password: 'correct horse battery', name: 'Hostile' } }),
  login: () => ({ body: { email: uniqueEmail('nobody'), password: 'wrong password' } }),
  refresh: () => ({ body: { refresh_token: 'not-a-refresh-token' } }),
  logout: () => ({ body: { refresh_token: 'not-a-refresh-token' } }),
  // The hostile fan's one session is the current one: ending the others ends nothing, and no session of theirs has a random id.
  listSessions: () => ({}),
  endSession: () => ({ params: { id: randomUUID() } }),
  endOtherSessions: () => ({}),
  // The wrong current password: refused (403, then 429), the password and sessions kept.
  changePassword: () => ({ body: { current_password: 'not the password', new_password: 'another long password' } }),
  // An email of nobody's: accepted, nothing stored or sent.
  requestPasswordReset: () => ({ body: { email: uniqueEmail('nobody') } }),
  confirmPasswordReset: () => ({ body: { token: 'not-a-reset-token', password: 'a new long password' } }),
  getMe: () => ({}),
  exportMyData: () => ({}),
  // A wrong password: refused, the account stays.
  closeAccount: () => ({ body: { password: 'not the password' } }),
  // The fan's own email, with their password: no change, no mail.
  updateMe: () => ({ body: { name: 'Hostile Fan', email: fan.email, password: fan.password } }),
  verifyEmail: () => ({ body: { token: 'not-a-verification-token' } }),
  resendVerification: () => ({}),
  getBalance: () => ({}),
  listTransactions: () => ({}),
  deposit: () => ({ body: { amount: REFUSED_DEPOSIT, method: 'card' } }),
  listDeposits: () => ({}),
  getDeposit: () => ({ params: { id: randomUUID() } }),
  createTransfer: () => ({ body: { to: other.email, amount: 100, note: 'hostile' } }),
  createMoneyRequest: () => ({ body: { from: other.email, amount: 100, note: 'hostile' } }),
  listMoneyRequests: () => ({}),
  payMoneyRequest: () => ({ params: { id: randomUUID() } }),
  declineMoneyRequest: () => ({ params: { id: randomUUID() } }),
  cancelMoneyRequest: () => ({ params: { id: randomUUID() } }),
  listProducts: () => ({}),
  getProduct: () => ({ params: { id: PRODUCT } }),
  getCart: () => ({}),
  addToCart: () => ({ body: { product_id: PRODUCT, quantity: 1 } }),
  updateCartLine: () => ({ params: { product_id: PRODUCT }, body: { quantity: 1 } }),
  removeCartLine: () => ({ params: { product_id: PRODUCT } }),
  checkout: () => ({}),
  listOrders: () => ({}),
  getOrder: () => ({ params: { id: randomUUID() } }),
  cancelOrder: () => ({ params: { id: randomUUID() } }),
  listEsimPlans: () => ({}),
  activateEsim: () => ({ body: { plan_id: PLAN } }),
  getActiveEsim: () => ({}),
  getEsimUsage: () => ({}),
  topUpEsim: () => ({ body: { plan_id: PLAN } }),
  esimUsageWebhook: () => ({ body: usageReport() }),
  // An event of a type the API does not act on: acknowledged, nothing moves.
  stripeWebhook: () => ({ body: stripeEventOf('customer.created', { id: 'cus_hostile', object: 'customer' }) }),
  listNotifications: () => ({}),
  listEvents: () => ({}),
  getEvent: () => ({ params: { id: 'asm-psg' } }),
  // The demo match has no waiting room: joining and looking answer `closed`.
  joinQueue: () => ({ params: { id: 'asm-psg' } }),
  pollQueue: () => ({ params: { id: 'asm-psg' } }),
  // The hostile fan holds nothing: a purchase is refused for lack of funds.
  purchaseTickets: () => ({ body: { event_id: 'asm-psg', category: 'tribune_nord', quantity: 1 } }),
  listMyTickets: () => ({}),
  getTicket: () => ({ params: { id: randomUUID() } }),
  getTicketCode: () => ({ params: { id: randomUUID() } }),
  getTicketKeys: () => ({}),
  getTicketMetadata: () => ({ params: { id: randomUUID() } }),
  checkInTicket: () => ({ body: { code: 'not-a-code', event_id: 'asm-psg' } }),
  // The hostile fan holds no ticket and there is no such offer: each is refused as not found.
  transferTicket: () => ({ params: { id: randomUUID() }, body: { to: 'nobody@example.test' } }),
  offerTicketForResale: () => ({ params: { id: randomUUID() }, body: { price: 1000 } }),
  listResaleOffers: () => ({ query: { event_id: 'asm-psg' } }),
  buyResaleOffer: () => ({ params: { id: randomUUID() } }),
  withdrawResaleOffer: () => ({ params: { id: randomUUID() } }),
  // The hostile fan is in no conversation and names no fan that exists: each is refused as not found.
  startConversation: () => ({ body: { participants: ['nobody@example.test'] } }),
  listConversations: () => ({}),
  listMessages: () => ({ params: { id: randomUUID() } }),
  postMessage: () => ({ params: { id: randomUUID() }, body: { message: 'Allez !', client_id: 'c-1' } }),
  markConversationRead: () => ({ params: { id: randomUUID() }, body: { up_to: randomUUID() } }),
  blockFan: () => ({ params: { id: randomUUID() } }),
  unblockFan: () => ({ params: { id: randomUUID() } }),
  reportMessage: () => ({ params: { id: randomUUID() }, body: { reason: 'abusive' } }),
  // The hostile fan has no club: a post is refused, the feed is empty and no post is theirs to like.
  createPost: () => ({ body: { text: 'Allez Monaco !' } }),
  likePost: () => ({ params: { id: randomUUID() } }),
  unlikePost: () => ({ params: { id: randomUUID() } }),
  reportPost: () => ({ params: { id: randomUUID() }, body: { reason: 'abusive' } }),
  getFeed: () => ({ query: { page: '1' } }),
  // The hostile fan's recommendations are their club-less cold start; no recommendation of theirs has a random id.
  getRecommendations: () => ({ query: { limit: '5' } }),
  giveRecommendationFeedback: () => ({ params: { id: randomUUID() }, body: { feedback: 'not_interested' } }),
  // The hostile fan has bought nothing and has no club: empty insights, no forecast.
  getInsights: () => ({}),
  getPredictions: () => ({}),
  getStats: () => ({}),
  // The hostile fan holds no role in any club: every back-office operation is not found, and changes nothing.
  adminListRoles: () => ({ params: { club: 'PSG' } }),
  adminGrantRole: () => ({ params: { club: 'PSG' }, body: { user: other.email, role: 'steward' } }),
  adminRevokeRole: () => ({ params: { club: 'PSG', user: randomUUID(), role: 'steward' } }),
  adminListAudit: () => ({}),
  adminListEvents: () => ({ query: { club: 'PSG' } }),
  adminGetEvent: () => ({ params: { id: 'psg-ol' } }),
  adminCreateEvent: () => ({
    body: {
      club: 'PSG', title: 'Paris Saint-Germain vs Hostile FC', date: new Date(Date.now() + 30 * 86_400_000).toISOString(), venue: 'Parc des Princes',
      country: 'FR', competition: 'Ligue 1', hot: false, vip: false, on_sale_at: null, waiting_room: true, admit_per_minute: 600, max_per_fan: 4,
      categories: [{ category: 'virage_auteuil', price: 4500, capacity: 100 }],
    },
  }),
  adminUpdateEvent: () => ({
    params: { id: 'psg-ol' },
    body: { date: new Date(Date.now() + 40 * 86_400_000).toISOString(), max_per_fan: 2, categories: [{ category: 'loge', capacity: 1 }] },
  }),
  adminListProducts: () => ({}),
  adminCreateProduct: () => ({ body: { club: 'PSG', name: 'Hostile scarf', category: 'accessories', price: 1000, nft: false, stock: 1 } }),
  adminUpdateProduct: () => ({ params: { id: PRODUCT }, body: { price: 1 } }),
  adminChangeStock: () => ({ params: { id: PRODUCT }, body: { change: -1, reason: 'hostile' } }),
  adminListOrders: () => ({}),
  adminShipOrder: () => ({ params: { id: randomUUID() } }),
  adminDeliverOrder: () => ({ params: { id: randomUUID() } }),
  adminRefundOrder: () => ({ params: { id: randomUUID() } }),
  adminSalesFigures: () => ({ query: { from: '2026-01-01', to: '2026-02-01' } }),
  adminListReports: () => ({ query: { status: 'open' } }),
  adminResolveReport: () => ({ params: { id: randomUUID() }, body: { action: 'remove' } }),
  adminRemovePost: () => ({ params: { id: randomUUID() } }),
  // A match of nobody's, another each call: the same key on another match is another request.
  adminCancelEvent: () => ({ params: { id: `match-${randomUUID()}` } }),
  adminGetCancellation: () => ({ params: { id: 'asm-psg' } }),
};

/** The keys of a zod (mini) object schema, if it is one. */
const shapeKeys = (schema: unknown): string[] => {
  const shape = (schema as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
};

/**
 * A body that admits fields it does not name: a sender's own format (Stripe's
 * events, which grow new fields), checked by its signature, not by its shape.
 */
const admitsUnknownFields = (schema: unknown) =>
  (schema as { _zod?: { def?: { catchall?: { _zod?: { def?: { type?: string } } } } } } | undefined)?._zod?.def?.catchall?._zod?.def?.type === 'unknown';

const fill = (path: string, params: Record<string, string> | undefined) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name] ?? '';
    try {
      return encodeURIComponent(value);
    } catch {
      return value;
    }
  });

const casesFor = async (op: Operation): Promise<Case[]> => {
  const { route } = op;
  const makeBaseline = baselines[route.operationId];
  if (!makeBaseline) throw new Error(`no baseline input for ${route.operationId}: add one to this test`);
  const authRequired = route.auth === 'required' || route.idempotent === true;
  const sign = SIGNERS[route.operationId];
  const paramNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const queryKeys = shapeKeys(route.query);
  const hasBody = route.body !== undefined;
  const loose = admitsUnknownFields(route.body);
  /** Refused as an unknown or mistyped field, unless the body admits fields it does not name. */
  const refusedUnlessLoose = (field?: string) => (loose && (field === undefined || !shapeKeys(route.body).includes(field)) ? undefined : [400]);

  /** A call from the baseline: the fan's token, a fresh Idempotency-Key, a signed webhook body. */
  const call = (change: Partial<Baseline> & { rawBody?: string; headers?: Record<string, string>; token?: string | null; noKey?: boolean } = {}): Call => {
    const base = makeBaseline();
    const params = 'params' in change ? change.params : base.params;
    const headers: Record<string, string> = {};
    if (route.idempotent && !change.noKey) headers['idempotency-key'] = key();
    let body: unknown = 'body' in change ? change.body : base.body;
    let rawBody = change.rawBody;
    if (sign && rawBody === undefined && body !== undefined) {
      // Signed, so that what is tested is the body, not the signature.
      rawBody = JSON.stringify(body);
      body = undefined;
      headers['content-type'] = 'application/json';
      Object.assign(headers, sign(rawBody));
    }
    if (rawBody !== undefined) {
      body = undefined;
      headers['content-type'] ??= 'application/json';
      if (sign) Object.assign(headers, { ...sign(rawBody), ...headers });
    }
    Object.assign(headers, change.headers);
    const token = change.token === null ? undefined : (change.token ?? fan.token);
    return {
      method: op.method,
      path: fill(route.path, params),
      ...(params ? { params } : {}),
      ...('query' in change ? { query: change.query } : base.query ? { query: base.query } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(rawBody !== undefined ? { rawBody } : {}),
      headers,
      ...(token ? { token } : {}),
      ip: randomIp(),
    };
  };

  const cases: Case[] = [];
  const add = (label: string, c: Call, expectStatus?: number[]) => cases.push({ label, call: c, ...(expectStatus ? { expect: expectStatus } : {}) });

  // --- auth -----------------------------------------------------------------
  add('auth: no token', call({ token: null }), authRequired ? [401] : undefined);
  for (const [label, authorization, mustRefuse] of tokens) {
    add(`auth: ${label}`, call({ token: null, headers: { authorization } }), authRequired && mustRefuse ? [401] : undefined);
  }
  add('auth: the baseline with a valid token', call());

  // --- path parameters --------------------------------------------------------
  for (const name of paramNames) {
    const kind = paramKind(route, name) === 'uuid' ? 'uuid' : 'slug';
    for (const [label, value, expected] of PARAM_VALUES(kind, unknownOf(route, name))) {
      add(`params.${name}: ${label}`, call({ params: { ...makeBaseline().params, [name]: value } }), expected);
    }
  }
  if (paramNames.length > 0) {
    add('params: missing', call({ params: undefined }), [400]);
    add('params: an unknown extra parameter', call({ params: { ...makeBaseline().params, evil: '1' } }), [400]);
  } else {
    add('params: given to an operation without any', call({ params: { id: randomUUID() } }));
  }

  // --- query ---------------------------------------------------------------
  const bad400: [string, Record<string, string>][] = [
    ['unknown parameter', { evil: '1' }],
    ['unknown parameter named like SQL', { "limit' or 1=1 --": '1' }],
    ['empty name', { '': 'x' }],
    ['__proto__', JSON.parse('{"__proto__":"x"}') as Record<string, string>],
    ['limit=0', { limit: '0' }],
    ['limit=-1', { limit: '-1' }],
    ['limit=1e9', { limit: '1e9' }],
    ['limit=abc', { limit: 'abc' }],
    ['limit= (empty)', { limit: '' }],
    ['limit=1.5', { limit: '1.5' }],
    ['limit=Infinity', { limit: 'Infinity' }],
    ['limit repeated (10,20)', { limit: '10,20' }],
    ['limit with NUL', { limit: '1\u0000' }],
    ['limit with CRLF', { limit: '1\r\n2' }],
    ['cursor=garbage', { cursor: 'garbage' }],
    ['cursor 5000 chars', { cursor: 'A'.repeat(5000) }],
  ];
  for (const [label, query] of bad400) add(`query: ${label}`, call({ query }), [400]);
  add('query: limit=0x10', call({ query: { limit: '0x10' } }));
  add('query: limit=100', call({ query: { limit: '100' } }));
  if (queryKeys.includes('cursor')) {
    for (const [label, cursor] of CURSORS) add(`query.cursor: ${label}`, call({ query: { cursor } }));
  }
  for (const name of queryKeys.filter((k) => k !== 'limit' && k !== 'cursor')) {
    for (const [label, value] of HOSTILE_STRINGS) add(`query.${name}: ${label}`, call({ query: { [name]: value } }));
    add(`query.${name}: repeated`, call({ query: { [name]: 'a,b' } }));
  }

  // --- bodies -------------------------------------------------------------
  const base = makeBaseline().body;
  const baseJson = JSON.stringify(base ?? {});
  const rawCases: [string, string][] = [
    ['not JSON "{"', '{'],
    ['truncated JSON', baseJson === '{}' ? '{"a":' : baseJson.slice(0, -3)],
    ['single quotes', "{'a': 1}"],
    ['trailing comma', '{"a": 1,}'],
    ['two documents', `${baseJson}${baseJson}`],
    ['BOM', `\ufeff${baseJson}`],
    ['NaN literal', 'NaN'],
    ['undefined literal', 'undefined'],
    ['1e999 (Infinity)', '1e999'],
    ['JSON null', 'null'],
    ['JSON array', '[]'],
    ['JSON array of the body', `[${baseJson}]`],
    ['JSON string', '"x"'],
    ['JSON number', '42'],
    ['JSON true', 'true'],
    ['object nested 1000 deep', deepObject(1000)],
    ['array nested 1000 deep', deepArray(1000)],
    ['array nested 30000 deep', deepArray(30_000)],
    ['__proto__ field', `{"__proto__": {"admin": true}${baseJson === '{}' ? '' : `,${baseJson.slice(1, -1)}`}}`],
    ['constructor.prototype field', `{"constructor": {"prototype": {"admin": true}}${baseJson === '{}' ? '' : `,${baseJson.slice(1, -1)}`}}`],
    ['NUL outside strings', `{\u0000}`],
    ['escaped NUL key', '{"\\u0000": 1}'],
  ];
  const unknownFieldCases = new Set(['__proto__ field', 'constructor.prototype field']);
  for (const [label, rawBody] of rawCases) add(`body: ${label}`, call({ rawBody }), unknownFieldCases.has(label) ? refusedUnlessLoose() : [400]);
  add('body: empty object', call({ body: {} }), [400]);
  add('body: an unknown extra field', call({ body: { ...base, is_admin: true } }), refusedUnlessLoose());
  add('body: 3000 unknown fields', call({ body: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`f${i}`, i])) }), [400]);
  add('body: empty (no body)', call({ body: undefined, rawBody: undefined }), hasBody ? [400] : undefined);

  for (const [field, value] of Object.entries(base ?? {})) {
    const kind = typeof value;
    // A fresh baseline per case (a new email for register, a new ICCID for the webhook).
    const with_ = (v: unknown) => ({ ...makeBaseline().body, [field]: v });
    for (const [label, wrong] of wrongTypes(kind)) add(`body.${field}: ${label} instead of ${kind}`, call({ body: with_(wrong) }), refusedUnlessLoose(field));
    add(`body.${field}: null`, call({ body: with_(null) }));
    add(`body.${field}: missing`, call({ body: Object.fromEntries(Object.entries(makeBaseline().body ?? {}).filter(([k]) => k !== field)) }));
    add(`body.${field}: nested 1000 deep`, call({ rawBody: JSON.stringify(with_('@@')).replace('"@@"', deepObject(1000)) }), refusedUnlessLoose(field));
    add(`body.${field}: repeated, hostile first`, call({ rawBody: `{"${field}": ${JSON.stringify(kind === 'number' ? -1 : 'x'.repeat(300))},${JSON.stringify(makeBaseline().body).slice(1)}` }));
    if (kind === 'number') {
      const signed = SIGNED_FIELDS[route.operationId]?.includes(field) === true;
      for (const [label, n] of BAD_NUMBERS.filter(([, n]) => !(signed && n === -1))) add(`body.${field}: ${label}`, call({ body: with_(n) }), refusedUnlessLoose(field));
      for (const [label, s] of HOSTILE_STRINGS.filter(([l]) => ['NaN', 'Infinity', 'number-ish', 'empty'].includes(l))) {
        add(`body.${field}: "${label}" string`, call({ body: with_(s) }), refusedUnlessLoose(field));
      }
    } else {
      for (const [label, s] of HOSTILE_STRINGS) add(`body.${field}: ${label}`, call({ body: with_(s) }));
    }
  }

  // --- size and content type ---------------------------------------------
  const pad = (bytes: number) => baseJson + ' '.repeat(Math.max(0, bytes - Buffer.byteLength(baseJson)));
  add('size: 64 KiB + 1 byte', call({ rawBody: pad(BODY_LIMIT + 1) }), [413]);
  add('size: 1 MiB', call({ rawBody: pad(1024 * 1024) }), [413]);
  add('size: 64 KiB of characters, more of bytes', call({ rawBody: JSON.stringify({ x: 'é'.repeat(BODY_LIMIT / 2 + 10) }) }), [413]);
  add('size: a 70 000-char field', call({ body: { ...base, x: 'x'.repeat(70_000) } }), [413]);
  const foreignTypes: [string, string, string][] = [
    ['text/plain', 'text/plain', baseJson],
    ['text/plain with charset', 'text/plain; charset=utf-8', baseJson],
    ['form', 'application/x-www-form-urlencoded', 'amount=100&method=card'],
    ['multipart', 'multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
    ['xml', 'application/xml', '<a>1</a>'],
    ['application/jsonp', 'application/jsonp', baseJson],
    ['text/json', 'text/json', baseJson],
    ['empty content-type', '', baseJson],
    ['content-type with NUL', 'application/json\u0000', baseJson],
  ];
  for (const [label, type, raw] of foreignTypes) add(`content-type: ${label}`, call({ rawBody: raw, headers: { 'content-type': type } }), [415]);
  add('content-type: JSON declared utf-16', call({ rawBody: baseJson, headers: { 'content-type': 'application/json; charset=utf-16' } }));
  add('content-type: upper case', call({ rawBody: baseJson, headers: { 'content-type': 'APPLICATION/JSON' } }));

  // --- Idempotency-Key -------------------------------------------------------
  if (route.idempotent) {
    const keyCases: [string, string | undefined, number[]?][] = [
      ['missing', undefined, [400]],
      ['empty', '', [400]],
      ['256 chars', 'k'.repeat(256), [400]],
      ['10 000 chars', 'k'.repeat(10_000), [400]],
      ['128 emoji (256 UTF-16 units)', '🔑'.repeat(128), [400]],
      ['255 chars', `${randomUUID()}${'k'.repeat(219)}`],
      ['127 emoji', `${'🔑'.repeat(127)}`],
      ['control chars', `${randomUUID()}\u0001\u001f\u007f`],
      ['NUL byte', `${randomUUID()}\u0000`],
      ['CRLF', `${randomUUID()}\r\nX-Evil: 1`],
      ['blank', ' '],
      ['SQL-ish', `${randomUUID()}' or 1=1 --`],
    ];
    for (const [label, value, expected] of keyCases) {
      add(`Idempotency-Key: ${label}`, call({ noKey: true, ...(value !== undefined ? { headers: { 'idempotency-key': value } } : {}) }), expected);
    }
  }

  // --- X-Signature -----------------------------------------------------------
  if (route.operationId === 'esimUsageWebhook') {
    const report = JSON.stringify(usageReport());
    const valid = signature(report);
    const signed = (sig: string | undefined): Call => ({
      method: op.method,
      path: route.path,
      rawBody: report,
      headers: { 'content-type': 'application/json', ...(sig !== undefined ? { 'x-signature': sig } : {}) },
      ip: randomIp(),
    });
    add('X-Signature: missing', signed(undefined), [401]);
    add('X-Signature: empty', signed(''), [401]);
    add('X-Signature: garbage', signed('garbage'), [401]);
    add('X-Signature: sha512=garbage', signed('sha512=garbage'), [401]);
    add('X-Signature: right length, wrong bytes', signed('0'.repeat(128)), [401]);
    add('X-Signature: odd-length hex', signed(valid.slice(0, -1)), [401]);
    add('X-Signature: of another body', signed(signature(`${report} `)), [401]);
    add('X-Signature: HMAC-SHA256', signed(createHmac('sha256', process.env.ESIM_WEBHOOK_SECRET ?? '').update(report).digest('hex')), [401]);
    add('X-Signature: 100 000 chars', signed('a'.repeat(100_000)), [401]);
    // Buffer.from(hex) stops at the first non-hex character: a valid signature followed by junk passes.
    add('X-Signature: valid, then NUL', signed(`${valid}\u0000`));
    add('X-Signature: valid, then junk', signed(`${valid}zz-junk`));
    add('X-Signature: base64 of the right HMAC', signed(Buffer.from(valid, 'hex').toString('base64')), [401]);
    add('X-Signature: valid, unknown ICCID', signed(valid), [404]);
    add('X-Signature: valid, upper case', signed(valid.toUpperCase()), [404]);
    add('X-Signature: valid, sha512= prefix', signed(`sha512=${valid}`), [404]);
    // Schema-valid reports with edge values, correctly signed: they reach the database.
    const edges: [string, Record<string, unknown>][] = [
      ['at year 0000', { at: '0000-01-01T00:00:00Z' }],
      ['at year 9999', { at: '9999-12-31T23:59:59Z' }],
      ['at 1970', { at: '1970-01-01T00:00:00Z' }],
      ['at offset +23:59', { at: '2024-02-29T23:59:59+23:59' }],
      ['at offset -23:59', { at: '2024-02-29T00:00:00-23:59' }],
      ['at nanoseconds', { at: '2024-01-01T00:00:00.123456789Z' }],
      ['at without seconds', { at: '2024-01-01T00:00Z' }],
      ['at Feb 30', { at: '2024-02-30T00:00:00Z' }],
      ['at hour 24', { at: '2024-01-01T24:00:00Z' }],
      ['at leap second', { at: '2016-12-31T23:59:60Z' }],
      ['used_mb max', { used_mb: 10_000_000 }],
      ['used_mb 0', { used_mb: 0 }],
      ['iccid 18 digits', { iccid: '1'.repeat(18) }],
      ['iccid 22 digits', { iccid: '9'.repeat(22) }],
      ['iccid 23 digits', { iccid: '9'.repeat(23) }],
      ['iccid Arabic-Indic digits', { iccid: '٠'.repeat(19) }],
    ];
    for (const [label, overrides] of edges) add(`signed report: ${label}`, call({ body: usageReport(overrides) }));
  }

  // --- Stripe-Signature --------------------------------------------------------
  if (route.operationId === 'stripeWebhook') {
    const event = JSON.stringify(stripeEventOf('customer.created', { id: 'cus_hostile', object: 'customer' }));
    const valid = stripeSignature(event);
    const delivered = (sig: string | undefined, raw = event): Call => ({
      method: op.method,
      path: route.path,
      rawBody: raw,
      headers: { 'content-type': 'application/json', ...(sig !== undefined ? { 'stripe-signature': sig } : {}) },
      ip: randomIp(),
    });
    const [t, v1] = valid.split(',') as [string, string];
    add('Stripe-Signature: missing', delivered(undefined), [400]);
    add('Stripe-Signature: empty', delivered(''), [400]);
    add('Stripe-Signature: garbage', delivered('garbage'), [400]);
    add('Stripe-Signature: no timestamp', delivered(v1), [400]);
    add('Stripe-Signature: no v1', delivered(t), [400]);
    add('Stripe-Signature: v0 only', delivered(`${t},v0=${v1.slice(3)}`), [400]);
    add('Stripe-Signature: right length, wrong bytes', delivered(`${t},v1=${'0'.repeat(64)}`), [400]);
    add('Stripe-Signature: of another body', delivered(stripeSignature(`${event} `)), [400]);
    add('Stripe-Signature: another secret', delivered(stripeSignature(event, { secret: 'whsec_other' })), [400]);
    add('Stripe-Signature: 6 minutes old', delivered(stripeSignature(event, { at: Math.floor(Date.now() / 1000) - 360 })), [400]);
    add('Stripe-Signature: timestamp not a number', delivered(`t=abc,${v1}`), [400]);
    add('Stripe-Signature: 100 000 chars', delivered('a'.repeat(100_000)), [400]);
    add('Stripe-Signature: valid, with a second wrong v1', delivered(`${valid},v1=${'0'.repeat(64)}`), [200]);
    // Signed events that name money: each for nothing this API holds, or unreadable, so nothing moves.
    const intent = (overrides: Record<string, unknown>) => ({ id: 'pi_hostile', object: 'payment_intent', amount_received: 100, currency: 'eur', metadata: {}, ...overrides });
    const events: [string, string, unknown, number][] = [
      ['succeeded, a deposit id of nobody', 'payment_intent.succeeded', intent({ metadata: { deposit_id: randomUUID() } }), 200],
      ['succeeded, deposit id not a uuid', 'payment_intent.succeeded', intent({ metadata: { deposit_id: "' or 1=1 --" } }), 200],
      ['succeeded, in dollars', 'payment_intent.succeeded', intent({ currency: 'usd', metadata: { deposit_id: randomUUID() } }), 200],
      ['succeeded, nothing received', 'payment_intent.succeeded', intent({ amount_received: 0, metadata: { deposit_id: randomUUID() } }), 200],
      ['succeeded, negative received', 'payment_intent.succeeded', intent({ amount_received: -100 }), 400],
      ['succeeded, fractional received', 'payment_intent.succeeded', intent({ amount_received: 10.5 }), 400],
      ['succeeded, received past MAX_SAFE_INTEGER', 'payment_intent.succeeded', intent({ amount_received: 2 ** 53 + 2 }), 400],
      ['succeeded, no object id', 'payment_intent.succeeded', intent({ id: undefined }), 400],
      ['failed, a deposit id of nobody', 'payment_intent.payment_failed', intent({ metadata: { deposit_id: randomUUID() } }), 200],
      ['dispute of nobody', 'charge.dispute.created', { id: 'dp_hostile', amount: 100, currency: 'eur', payment_intent: 'pi_nobody', status: 'needs_response' }, 200],
      ['dispute without a PaymentIntent', 'charge.dispute.created', { id: 'dp_hostile', amount: 100, currency: 'eur', payment_intent: null, status: 'needs_response' }, 200],
      ['dispute of a negative amount', 'charge.dispute.created', { id: 'dp_hostile', amount: -100, currency: 'eur', payment_intent: 'pi_nobody', status: 'needs_response' }, 400],
      ['dispute closed, unknown', 'charge.dispute.closed', { id: 'dp_nobody', amount: 100, currency: 'eur', payment_intent: 'pi_nobody', status: 'won' }, 200],
    ];
    for (const [label, type, object, expected] of events) {
      const raw = JSON.stringify(stripeEventOf(type, object));
      add(`signed event: ${label}`, delivered(stripeSignature(raw), raw), [expected]);
    }
  }

  // --- one Idempotency-Key used again: the same request, then another ----------
  // (run in this order, after the rest: see `run`)
  if (route.idempotent) {
    const reused = key();
    const first = call({ noKey: true, headers: { 'idempotency-key': reused } });
    add(REPLAY.first, first);
    add(REPLAY.again, { ...first, ip: randomIp() });
    // Another request under the same key: another body, or another path (params are fresh uuids).
    const other_: Partial<Baseline> | undefined =
      route.operationId === 'deposit' ? { body: { amount: REFUSED_DEPOSIT + 1, method: 'card' } }
      : route.operationId === 'createTransfer' ? { body: { to: other.email, amount: 101 } }
      : route.operationId === 'activateEsim' || route.operationId === 'topUpEsim' ? { body: { plan_id: OTHER_PLAN } }
      : route.operationId === 'adminChangeStock' ? { body: { change: -2, reason: 'hostile' } }
      : paramNames.length > 0 ? {}
      : undefined;
    if (other_) add(REPLAY.another, call({ noKey: true, headers: { 'idempotency-key': reused }, ...other_ }), [422]);
  }

  return cases;
};

/** Whether a path parameter takes a uuid (its zod schema's format), else a slug. */
type ParamSchema = { _zod?: { def?: { format?: string } }; safeParse(value: unknown): { success: boolean } };
const paramSchema = (route: Route, name: string) =>
  (route.params as { _zod?: { def?: { shape?: Record<string, ParamSchema> } } } | undefined)?._zod?.def?.shape?.[name];
const paramKind = (route: Route, name: string): string => paramSchema(route, name)?._zod?.def?.format ?? 'slug';
/** A name of the parameter's form (an event's slug, a club's upper-case id) that nothing bears; none for a closed set. */
const unknownOf = (route: Route, name: string) => ['no-such-thing-999', 'NO_SUCH_THING_999'].find((v) => paramSchema(route, name)?.safeParse(v).success);

// ---------------------------------------------------------------------------
// Running and judging.

const shorten = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 60)}…(${v.length} chars)` : v));

const describeCall = (c: Call) =>
  shorten({ method: c.method, path: c.path, params: c.params, query: c.query, headers: c.headers, token: c.token ? '<fan token>' : undefined, body: c.body, rawBody: c.rawBody });

/** What is wrong with an answer, if anything. */
const judge = (c: Case, res: Answer): string[] => {
  const wrong: string[] = [];
  if (res.status >= 500) wrong.push(`answered ${res.status}`);
  if (res.status >= 400 && res.status < 500) {
    if (res.headers['content-type'] !== 'application/problem+json') wrong.push(`content-type ${String(res.headers['content-type'])}`);
    const b = res.body as Record<string, unknown> | undefined;
    if (!b || typeof b !== 'object') wrong.push('no problem body');
    else {
      for (const field of ['type', 'title', 'detail'] as const) if (typeof b[field] !== 'string') wrong.push(`problem.${field} is ${typeof b[field]}`);
      if (b.status !== res.status) wrong.push(`problem.status ${String(b.status)} ≠ ${res.status}`);
      if ('stack' in b) wrong.push('problem carries a stack');
    }
  }
  if (c.expect && !c.expect.includes(res.status)) wrong.push(`expected ${c.expect.join(' or ')}, got ${res.status}`);
  return wrong;
};

type Finding = { op: string; label: string; request: string; status: number | string; body: string; wrong: string[] };
const findings: Finding[] = [];
let sent = 0;
const report = (f: Finding) => `${f.op} [${f.label}] → ${f.status}: ${f.wrong.join('; ')}\n    request: ${f.request}\n    answer: ${f.body}`;

/** Runs the cases six at a time, then the Idempotency-Key replays in order; returns what went wrong. */
const run = async (op: Operation, cases: Case[]): Promise<Finding[]> => {
  const found: Finding[] = [];
  const replays: string[] = Object.values(REPLAY);
  const ordered = cases.filter((c) => replays.includes(c.label));
  const free = cases.filter((c) => !ordered.includes(c));
  let first: Answer | undefined;
  const one = async (c: Case) => {
    sent++;
    const finding = { op: `${op.method} ${op.path}`, label: c.label, request: describeCall(c.call) };
    let res: Answer;
    try {
      res = await invoke(op.handler, c.call);
    } catch (error) {
      found.push({ ...finding, status: 'threw', body: String(error), wrong: ['the handler threw, or answered a body that is not JSON'] });
      return;
    }
    const wrong = judge(c, res);
    if (c.label === REPLAY.first) first = res;
    // Stripe's model, as the README promises: the same status and bytes, marked replayed.
    if (c.label === REPLAY.again && first && (res.status !== first.status || res.raw !== first.raw || res.headers['idempotent-replayed'] !== 'true')) {
      wrong.push(`not a replay of the first answer (${first.status} ${first.raw.slice(0, 100)})`);
    }
    if (wrong.length > 0) found.push({ ...finding, status: res.status, body: res.raw.slice(0, 400), wrong });
  };
  let next = 0;
  const worker = async () => {
    while (next < free.length) await one(free[next++]!);
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  for (const c of ordered) await one(c);
  return found;
};

// ---------------------------------------------------------------------------
// Money: what must not move.

type Snapshot = { total: bigint; transfers: string[] };

const snapshot = async (): Promise<Snapshot> => {
  // One statement: one consistent view of balances and transfers.
  const [row] = await db()<{ total: string; ids: string[] | null }[]>`
    select (select coalesce(sum(balance), 0)::text from wallets where user_id is not null) as total,
           (select array_agg(id) from transfers) as ids`;
  return { total: BigInt(row!.total), transfers: row!.ids ?? [] };
};

let before: Snapshot;

const addToCart = async () => {
  const res = await invoke(cartAdd, { path: '/api/shop/cart', token: fan.token, body: { product_id: PRODUCT, quantity: 1 } });
  if (res.status !== 200) throw new Error(`cart add failed: ${res.status} ${res.raw}`);
};

describe('hostile inputs to every operation', () => {
  beforeAll(async () => {
    other = await newFan();
    hostileFans.push(other.id);
    before = await snapshot();
  });

  it.each(operations.map((op) => [`${op.method} ${op.path}`, op] as const))('%s', async (_, op) => {
    await enlist();
    // Checkout gets a cart to pay for, so that it reaches the wallet (and is refused there).
    if (op.route.operationId === 'checkout') await addToCart();
    const found = await run(op, await casesFor(op));
    findings.push(...found);
    expect(found.map(report)).toEqual([]);
  });

  it('moved no money', async () => {
    // One statement: balances, transfers and ledger entries from one view.
    const [after] = await db()<{ total: string; transfers: string; moved: string; hostile: string; funded: string[] | null }[]>`
      with fresh as (select id from transfers where not (id = any(${before.transfers}::uuid[])))
      select (select coalesce(sum(balance), 0)::text from wallets where user_id is not null) as total,
             (select count(*)::text from transfers) as transfers,
             -- what the transfers committed since the snapshot (by other test files) moved on fans' wallets
             (select coalesce(sum(t.amount), 0)::text from transactions t join wallets w on w.id = t.wallet_id
               where w.user_id is not null and t.transfer_id in (select id from fresh)) as moved,
             (select count(distinct t.transfer_id)::text from transactions t join wallets w on w.id = t.wallet_id
               where w.user_id = any(${hostileFans}::uuid[])) as hostile,
             (select array_agg(w.user_id::text) from wallets w
               where w.user_id = any(${hostileFans}::uuid[]) and w.balance <> 0) as funded`;
    const fresh = BigInt(after!.transfers) - BigInt(before.transfers.length);
    expect({
      // The hostile fans were never funded: still nothing, and not one ledger entry.
      'hostile fans with a balance': after!.funded ?? [],
      'transfers touching a hostile fan': after!.hostile,
      // The fans' total changed only by the legs of transfers committed meanwhile
      // by other test files: when this file runs alone, not at all.
      "fans' total change not explained by new transfers": (BigInt(after!.total) - before.total - BigInt(after!.moved)).toString(),
      ...(fresh === 0n ? { "fans' total (nothing else ran)": after!.total, transfers: after!.transfers } : {}),
    }).toEqual({
      'hostile fans with a balance': [],
      'transfers touching a hostile fan': '0',
      "fans' total change not explained by new transfers": '0',
      ...(fresh === 0n ? { "fans' total (nothing else ran)": before.total.toString(), transfers: String(before.transfers.length) } : {}),
    });
  });

  afterAll(() => {
    console.log(`hostile inputs: ${sent} requests to ${operations.length} operations; ${findings.length} findings${findings.map((f) => `\n${report(f)}`).join('')}`);
  });
});
