/**
 * `npm run db:dump [-- <file>]` and `npm run db:restore -- <file>`: local data
 * to a file and back, with PostgreSQL's own pg_dump and pg_restore (custom
 * format). The database is DATABASE_URL, else the embedded one of
 * `npm run dev` (started for the occasion when dev is not running). A dump
 * goes to .data/dumps/ unless a file is named. Deployed stages are backed up
 * by their managed Postgres instead (README, Operations).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { localDatabase, redact } from './local-services';

const DUMPS_DIR = fileURLToPath(new URL('../.data/dumps', import.meta.url));

const serverMajor = async (url: string): Promise<number> => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ v: number }[]>`select current_setting('server_version_num')::int / 10000 as v`;
    return row!.v;
  } finally {
    await sql.end();
  }
};

/**
 * Why `tool` cannot work on the server of `url`, or undefined when it can:
 * absent from PATH, or (pg_dump) older than the server, which it refuses.
 */
export const clientToolProblem = async (tool: 'pg_dump' | 'pg_restore', url: string): Promise<string | undefined> => {
  const run = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (run.error) {
    return `${tool} is not on PATH: install the PostgreSQL client tools (apt-get install postgresql-client, brew install libpq) or put their bin folder on PATH`;
  }
  const major = Number(/\)\s+(\d+)/.exec(run.stdout)?.[1]);
  const server = await serverMajor(url);
  if (tool === 'pg_dump' && major < server) {
    return `pg_dump ${major} cannot dump a PostgreSQL ${server} server: put the client tools of PostgreSQL ${server} or later first on PATH`;
  }
  return undefined;
};

const run = async (tool: 'pg_dump' | 'pg_restore', url: string, args: string[]): Promise<void> => {
  const problem = await clientToolProblem(tool, url);
  if (problem) throw new Error(problem);
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} failed on ${redact(url)}:\n${result.stderr}`);
};

export const dumpDatabase = async (url: string, file: string): Promise<void> => {
  mkdirSync(dirname(file), { recursive: true });
  await run('pg_dump', url, ['--format=custom', '--file', file, '--dbname', url]);
};

/**
 * Replaces what the dump holds in the database of `url` (dropping those
 * objects first), all or nothing. Ownership is left to whoever restores: the
 * roles of the machine that dumped need not exist here.
 */
export const restoreDatabase = async (url: string, file: string): Promise<void> => {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  await run('pg_restore', url, ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', '--dbname', url, file]);
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, file] = process.argv.slice(2);
  if ((command !== 'dump' && command !== 'restore') || (command === 'restore' && !file)) {
    console.error('Usage: npm run db:dump [-- <file>] | npm run db:restore -- <file>');
    process.exit(2);
  }
  const main = async () => {
    const database = await localDatabase(command === 'dump' ? 'to dump' : undefined);
    try {
      if (command === 'dump') {
        const target = resolve(process.env.INIT_CWD ?? '.', file ?? join(DUMPS_DIR, `paiecashfan-${new Date().toISOString().replace(/[:.]/g, '-')}.dump`));
        await dumpDatabase(database.url, target);
        console.log(`dumped ${redact(database.url)} to ${target}`);
      } else {
        await restoreDatabase(database.url, resolve(process.env.INIT_CWD ?? '.', file!));
        console.log(`restored ${file} into ${redact(database.url)}`);
      }
    } finally {
      await database.stop();
    }
  };
  await main().catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
