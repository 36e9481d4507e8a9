/**
 * PgBouncer in transaction mode in front of a scratch database, for
 * `npm run bench -- rush`: the stand-in for RDS Proxy that production
 * reaches Postgres through (README, Deploying). It is Debian's `pgbouncer`,
 * started on a free port with a configuration of its own in a temporary
 * folder, and stopped with it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answers, freePort } from '../scripts/local-services';
import { processCpuMs } from './measure';

export type PgBouncer = {
  /** DATABASE_URL of the scratch database through the pooler. */
  url: string;
  poolSize: number;
  /** CPU time the pooler has used so far, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
};

/** Where the binary is: $PGBOUNCER, Debian's /usr/sbin, or on PATH. */
export const findPgBouncer = (): string | undefined =>
  [process.env.PGBOUNCER, '/usr/sbin/pgbouncer', ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'pgbouncer'))]
    .find((path): path is string => path !== undefined && path !== '' && existsSync(path));

const STARTUP_MS = 5000;

/**
 * Starts PgBouncer in front of `databaseUrl`'s database: `pool_mode =
 * transaction`, `poolSize` server connections, room for `maxClients`.
 * A client waiting for a server connection is refused after
 * `query_wait_timeout`, 2 s, the ConnectionBorrowTimeout docs/capacity.md
 * asks of RDS Proxy, so that no wait outlives a Lambda's 10 s.
 */
export const startPgBouncer = async (binary: string, databaseUrl: string, poolSize: number, maxClients: number): Promise<PgBouncer> => {
  const target = new URL(databaseUrl);
  const database = target.pathname.slice(1);
  const user = decodeURIComponent(target.username || 'postgres');
  const password = decodeURIComponent(target.password);
  const port = await freePort();
  const folder = await mkdtemp(join(tmpdir(), 'pcf-pgbouncer-'));
  // PgBouncer refuses to run as root: it then runs as `postgres`, which must read its files.
  const asRoot = process.getuid?.() === 0;
  await chmod(folder, 0o755);
  const ini = join(folder, 'pgbouncer.ini');
  const users = join(folder, 'users.txt');
  await writeFile(users, `"${user}" ""\n`, { mode: 0o644 });
  await writeFile(
    ini,
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database} user=${user}${password ? ` password=${password}` : ''}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      // Local and throw-away: the clients are the bench's own containers.
      'auth_type = trust',
      `auth_file = ${users}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'reserve_pool_size = 0',
      `max_client_conn = ${maxClients}`,
      'query_wait_timeout = 2',
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const child = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(folder, { recursive: true, force: true });
  };
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const started = Date.now();
  while (!(await answers(url.toString()))) {
    if (child.exitCode !== null || Date.now() - started > STARTUP_MS) {
      await stop();
      throw new Error(`pgbouncer did not start:\n${log}`);
    }
    await sleep(100);
  }
  return {
    url: url.toString(),
    poolSize,
    cpuMs: async () => (await processCpuMs(child.pid!)) ?? NaN,
    stop,
  };
};
