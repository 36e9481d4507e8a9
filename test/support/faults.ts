/**
 * The faults an operator sees in production, caused on purpose: database
 * connections cut (a failover, an RDS Proxy reset, a PgBouncer restart),
 * Redis stalled, Redis dropping its clients (a restart).
 */
import { Redis } from 'ioredis';
import postgres from 'postgres';

/** An admin connection to the Redis at REDIS_URL (else 127.0.0.1:6379), or undefined where none answers. */
export const realRedis = async (): Promise<(Redis & { options: { url: string } }) | undefined> => {
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return Object.assign(redis, { options: Object.assign(redis.options, { url }) });
  } catch {
    redis.disconnect();
    return undefined;
  }
};

/** Terminates every session on the database of `databaseUrl` but the caller's; returns how many. */
export const cutDatabase = async (databaseUrl: string): Promise<number> => {
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ cut }] = (await admin`
      select count(*) filter (where pg_terminate_backend(pid))::int as cut
      from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()`) as unknown as [{ cut: number }];
    return cut;
  } finally {
    await admin.end({ timeout: 1 });
  }
};

/**
 * Redis answers nothing for `ms`. `DEBUG SLEEP` where the server allows
 * DEBUG; else `CLIENT PAUSE … ALL`, which holds every client's commands the
 * same way (Redis 7 refuses DEBUG unless `enable-debug-command` is set).
 */
export const stallRedis = async (admin: Redis, ms: number): Promise<void> => {
  try {
    await admin.call('DEBUG', 'SLEEP', String(ms / 1000));
  } catch {
    await admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
    await new Promise((r) => setTimeout(r, ms));
  }
};

/** Closes the connections of the local Redis bridges (all, or the one named); returns how many. */
export const dropBridgeClients = async (admin: Redis, clientName?: string): Promise<number> => {
  const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal'));
  const ids = list
    .split('\n')
    .map((line) => Object.fromEntries(line.trim().split(' ').map((kv) => kv.split('=') as [string, string])))
    .filter((c) => (clientName ? c.name === clientName : c.name?.startsWith('paiecashfan-bridge-')))
    .map((c) => c.id!);
  for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
  return ids.length;
};
