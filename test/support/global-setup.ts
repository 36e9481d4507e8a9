/**
 * One fresh database per test run, on DATABASE_URL when it answers or on an
 * embedded PostgreSQL otherwise; Redis through the REST bridge, to REDIS_URL
 * when set and answering, else in memory. Dropped and stopped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { ensureDatabase, ensurePostgres, ensureRedisRest, redact } from '../../scripts/local-services';
import { prepareDatabase } from '../../scripts/migrate';
import { freePort } from './ports';

export default async function setup() {
  const scratch = await mkdtemp(join(tmpdir(), 'pcf-test-'));
  // An embedded server runs as its own user when we are root: it must reach its folder.
  await chmod(scratch, 0o755);
  const server = await ensurePostgres({ url: process.env.DATABASE_URL, dir: join(scratch, 'pg'), port: await freePort() });
  const name = `pcf_test_${randomBytes(6).toString('hex')}`;
  const databaseUrl = await ensureDatabase(server.url, name);
  await prepareDatabase(databaseUrl, true);
  const redis = await ensureRedisRest({ redisUrl: process.env.REDIS_URL });

  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    UPSTASH_REDIS_REST_URL: redis.url,
    UPSTASH_REDIS_REST_TOKEN: redis.token,
    JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
    BCRYPT_COST: '10',
    PG_POOL_MAX: '10',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
  });
  console.log(`tests use Postgres ${server.kind} (${redact(databaseUrl)}) and Redis via ${redis.kind}`);

  return async () => {
    await redis.stop();
    const admin = postgres(server.url, { max: 1, onnotice: () => {} });
    await admin`drop database if exists ${admin(name)} with (force)`.catch((e) => console.warn(`could not drop ${name}: ${e}`));
    await admin.end();
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  };
}
