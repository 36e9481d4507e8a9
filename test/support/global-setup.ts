/**
 * One fresh database per test run, on DATABASE_URL when it answers or on an
 * embedded PostgreSQL otherwise; Redis through the REST bridge, to REDIS_URL
 * when set and answering, else in memory. Dropped and stopped afterwards.
 */
import { generateKeyPairSync } from 'node:crypto';
import { startScratch } from '../../scripts/local-services';

export default async function setup() {
  const scratch = await startScratch('test', { seed: true });
  Object.assign(process.env, {
    DATABASE_URL: scratch.databaseUrl,
    UPSTASH_REDIS_REST_URL: scratch.redis.url,
    UPSTASH_REDIS_REST_TOKEN: scratch.redis.token,
    JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
    ESIM_WEBHOOK_SECRET: 'test-esim-webhook-secret',
    // Top-ups are the simulated provider's, but for the files that point the Stripe SDK at a stand-in (test/support/stripe.ts).
    STRIPE_WEBHOOK_SECRET: 'whsec_test_stripe_webhook_secret',
    TICKET_SIGNING_KEY: JSON.stringify({ ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid: 'test' }),
    BCRYPT_COST: '10',
    PG_POOL_MAX: '10',
    // One fan sends thousands of requests a minute here (hostile inputs, the fault drills); rate-limits.test.ts sets 1.
    RATE_LIMIT_SCALE: '1000',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    // EMF lines are log lines too; metrics.test.ts turns them on to read them.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });
  console.log(`tests run on Node ${process.version} and use ${scratch.describe}`);
  return scratch.stop;
}
