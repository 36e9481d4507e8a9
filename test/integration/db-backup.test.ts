import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientToolProblem, dumpDatabase, restoreDatabase } from '../../scripts/db-backup';
import { dropDatabase, ensureDatabase } from '../../scripts/local-services';
import { prepareDatabase } from '../../scripts/migrate';

const server = () => process.env.DATABASE_URL!;
const names = [`pcf_dump_${randomBytes(4).toString('hex')}`, `pcf_restore_${randomBytes(4).toString('hex')}`];
let folder: string;
let source: string;
let target: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'pcf-db-backup-'));
  source = await ensureDatabase(server(), names[0]!);
  target = await ensureDatabase(server(), names[1]!);
});

afterAll(async () => {
  await Promise.all(names.map((name) => dropDatabase(server(), name)));
  await rm(folder, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

const emails = async (url: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql<{ email: string }[]>`select email from users order by email`).map((r) => r.email);
  } finally {
    await sql.end();
  }
};

describe('npm run db:dump / db:restore', () => {
  it('round-trip the schema and its rows into another database, and restore over changed data', async (ctx) => {
    const problem = (await clientToolProblem('pg_dump', source)) ?? (await clientToolProblem('pg_restore', target));
    if (problem) ctx.skip(problem);
    await prepareDatabase(source, false);
    const sql = postgres(source, { max: 1, onnotice: () => {} });
    await sql`insert into users (email, password, name) values ('kept@example.test', 'x', 'Kept')`;
    await sql.end();
    const file = join(folder, 'local.dump');

    await dumpDatabase(source, file);
    await restoreDatabase(target, file);
    expect(await emails(target)).toEqual(['kept@example.test']);
    // The migrations came along: the restored database needs none applied.
    expect(await prepareDatabase(target, false)).toEqual([]);

    const changed = postgres(target, { max: 1, onnotice: () => {} });
    await changed`update users set email = 'changed@example.test'`;
    await changed.end();
    await restoreDatabase(target, file);
    expect(await emails(target)).toEqual(['kept@example.test']);
  });

  it.each(['pg_dump', 'pg_restore'] as const)('say what to install when %s is not on PATH', async (tool) => {
    vi.stubEnv('PATH', folder);
    await expect(clientToolProblem(tool, source)).resolves.toMatch(new RegExp(`^${tool} is not on PATH: install the PostgreSQL client tools`));
  });
});
