// Settings come from the environment (serverless.yml maps stage parameters
// and SSM secrets onto it), read lazily so tests and the dev server can set
// them before first use.
const env = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

const int = (name: string, fallback: number): number => {
  const value = Number(env(name));
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const stage = () => env('STAGE') ?? 'dev';

export const config = {
  version: () => env('APP_VERSION') ?? '3.0.0',
  stage,
  databaseUrl: () => env('DATABASE_URL'),
  /**
   * Connections per container, a pooler doing the rest: a Lambda container
   * serves one request at a time, and no request needs two connections at
   * once (nothing queries beside an open transaction; queries sent together
   * take turns).
   */
  dbPoolMax: () => int('PG_POOL_MAX', 1),
  /**
   * `transaction` behind PgBouncer (transaction mode) or RDS Proxy: no named
   * prepared statements and no settings at connection start, which such a
   * pooler refuses or drops; each transaction sets its own timeouts instead.
   */
  dbBehindPooler: () => env('PG_POOLER') === 'transaction',
  statementTimeoutMs: () => int('PG_STATEMENT_TIMEOUT_MS', 5000),
  /**
   * Shorter than the statement timeout, so a wait on a lock (a duplicate
   * idempotent request, a very hot wallet) ends as a lock timeout and not as
   * a statement cancelled for some other reason.
   */
  lockTimeoutMs: () => int('PG_LOCK_TIMEOUT_MS', 3000),
  redisUrl: () => env('UPSTASH_REDIS_REST_URL'),
  redisToken: () => env('UPSTASH_REDIS_REST_TOKEN'),
  redisTimeoutMs: () => int('REDIS_TIMEOUT_MS', 300),
  /**
   * Multiplies the route classes' rate limits, for load tests that push one
   * fan far past them. Ignored on Lambda (whose runtime sets
   * AWS_EXECUTION_ENV), so no deployed stage runs looser than production.
   */
  rateLimitScale: () => (env('AWS_EXECUTION_ENV') ? 1 : Math.max(1, Math.floor(int('RATE_LIMIT_SCALE', 1)))),
  jwtSecret: () => env('JWT_SECRET'),
  /** Earlier JWT secrets (a JSON array) that still verify, never sign: tokens issued before a rotation live out their 15 minutes. */
  jwtPreviousSecrets: () => env('JWT_PREVIOUS_SECRETS'),
  bcryptCost: () => int('BCRYPT_COST', 12),
  /** The Ed25519 private JWK (with its `kid`) that signs ticket codes. */
  ticketSigningKey: () => env('TICKET_SIGNING_KEY'),
  /** Public JWKs of earlier signing keys (a JSON array), still published so their codes verify during a rotation. */
  ticketVerifyKeys: () => env('TICKET_VERIFY_KEYS'),
  /** HMAC-SHA512 key the eSIM carrier signs its usage reports with. */
  esimWebhookSecret: () => env('ESIM_WEBHOOK_SECRET'),
  /** The SM-DP+ server of the simulated eSIM carrier (a real one names its own). */
  esimSmdpAddress: () => env('ESIM_SMDP_ADDRESS') ?? 'smdp.esim.paiecashfan.test',
  /**
   * Who collects top-ups (lib/payments): `stripe`, or `simulated`, the
   * default of local runs and tests, which receives the money at once and
   * which no deployed stage may run.
   */
  paymentProvider: () => env('PAYMENT_PROVIDER') ?? 'simulated',
  /** Who sends email: `outbox` (default; kept in the outbox table, refused on a deployed stage) or `ses`. */
  mailProvider: () => env('MAIL_PROVIDER') ?? 'outbox',
  /** The address emails come from: one SES has verified (its domain or itself) for the stage's account and region. */
  mailFrom: () => env('MAIL_FROM'),
  /** A stand-in of SES's API (a test's own server), e.g. `http://127.0.0.1:4579`; unset, SES itself in the Lambda's region. */
  sesEndpoint: () => env('SES_ENDPOINT'),
  /** The app's address, which the links in emails open. */
  appUrl: () => env('APP_URL') ?? 'http://localhost:3000',
  stripeSecretKey: () => env('STRIPE_SECRET_KEY'),
  /** The signing secret of the webhook endpoint (`whsec_…`), which Stripe's events are checked with. */
  stripeWebhookSecret: () => env('STRIPE_WEBHOOK_SECRET'),
  /** A stand-in of Stripe's API (stripe-mock, a test's own server), e.g. `http://127.0.0.1:12111`; unset, Stripe itself. */
  stripeApiBase: () => env('STRIPE_API_BASE'),
  /** A stage deployed by serverless.yml (prod, staging), as opposed to `dev`: local runs, tests and CI. */
  deployed: () => stage() !== 'dev',
  /**
   * Fans a waiting room admits per minute when its match names no rate: what
   * the purchase path sustains (`npm run bench -- rush` measures it).
   */
  queueAdmitPerMinute: () => int('QUEUE_ADMIT_PER_MINUTE', 3000),
  corsOrigins: () => (env('CORS_ORIGINS') ?? '*').split(',').map((o) => o.trim()),
  /** Where unexpected errors are reported; unset, nothing is reported and the Sentry SDK is never loaded. */
  sentryDsn: () => env('SENTRY_DSN'),
  /** Under serverless-offline (`npm run dev`, the e2e tests), which sets IS_OFFLINE in every handler's environment. */
  offline: () => env('IS_OFFLINE') === 'true',
};
