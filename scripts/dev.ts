/**
 * `npm run dev`: everything the API needs, then serverless-offline on :3000.
 * Postgres is DATABASE_URL, or an embedded PostgreSQL kept in .data/postgres;
 * Redis is UPSTASH_REDIS_REST_URL, or a local REST bridge to REDIS_URL (or to
 * an in-memory Redis). Ctrl-C stops all of it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureRedisRest, redact, startDevPostgres, type Service } from './local-services';
import { prepareDatabase } from './migrate';

const root = fileURLToPath(new URL('..', import.meta.url));
const services: Service[] = [];

const stopAll = async () => {
  for (const service of services.reverse()) await service.stop().catch(() => {});
};

const main = async () => {
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startDevPostgres();
    services.push(pg);
    databaseUrl = pg.url;
  }
  const redis = await ensureRedisRest({
    restUrl: process.env.UPSTASH_REDIS_REST_URL,
    token: process.env.UPSTASH_REDIS_REST_TOKEN,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    port: Number(process.env.REDIS_BRIDGE_PORT ?? 8079),
    // Cached copies are of this database's rows: another database (a test run's, another checkout's) must not read them.
    keyPrefix: `dev:${new URL(databaseUrl).pathname.slice(1) || 'postgres'}:`,
  });
  services.push(redis);
  const applied = await prepareDatabase(databaseUrl, true);

  console.log(`
  Postgres  ${redact(databaseUrl)}${process.env.DATABASE_URL ? '' : ' (embedded, data in .data/postgres)'}
  Redis     ${redis.url} (${redis.kind})
  Schema    ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}; demo data loaded
  API       http://localhost:3000/api/health
  OpenAPI   http://localhost:3000/api/openapi.json
  WebSocket ws://localhost:3001?token=<access token>
`);

  const offline = spawn(`${root}node_modules/.bin/serverless`, ['offline', 'start', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      UPSTASH_REDIS_REST_URL: redis.url,
      UPSTASH_REDIS_REST_TOKEN: redis.token,
      JWT_SECRET: process.env.JWT_SECRET ?? 'local-dev-only-secret-change-me-0123456789',
      ESBUILD_WORK_FOLDER: process.env.ESBUILD_WORK_FOLDER ?? '.data/esbuild',
    },
  });
  const shutdown = () => offline.kill('SIGINT');
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const code = await new Promise<number>((resolve) => offline.on('exit', (c) => resolve(c ?? 0)));
  await stopAll();
  process.exit(code);
};

main().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
