import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../lib/migrate';
import { dropDatabase, ensureDatabase } from '../../scripts/local-services';
import { MIGRATIONS_DIR } from '../../scripts/migrate';

let name: string;
let sql: postgres.Sql;
let dir: string;

beforeEach(async () => {
  name = `pcf_migrate_${randomBytes(4).toString('hex')}`;
  sql = postgres(await ensureDatabase(process.env.DATABASE_URL!, name), { max: 4, onnotice: () => {} });
  dir = await mkdtemp(join(tmpdir(), 'pcf-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
});

afterEach(async () => {
  await sql.end();
  await dropDatabase(process.env.DATABASE_URL!, name);
  await rm(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('applies each file once, even with two runners at the same moment', async () => {
    const files = (await readMigrations(dir)).map((m) => m.name);
    const [a, b] = await Promise.all([migrate(sql, dir), migrate(sql, dir)]);
    expect([...a, ...b].sort()).toEqual(files);
    expect(await migrate(sql, dir)).toEqual([]);
  });

  it('refuses a file changed after it was applied', async () => {
    await migrate(sql, dir);
    await writeFile(join(dir, '001_schema.sql'), '-- edited\n', { flag: 'a' });
    await expect(migrate(sql, dir)).rejects.toThrow(/001_schema.sql was changed after it was applied/);
  });

  it('rolls back a failing file alone, keeping the ones before it', async () => {
    const files = (await readMigrations(dir)).map((m) => m.name);
    await writeFile(join(dir, '998_ok.sql'), 'create table ok_table (id int);');
    await writeFile(join(dir, '999_broken.sql'), 'create table half_done (id int);\nselect * from no_such_table;');
    await expect(migrate(sql, dir)).rejects.toThrow(/999_broken.sql failed/);
    const tables = await sql`select table_name from information_schema.tables where table_name in ('ok_table', 'half_done')`;
    expect(tables.map((t) => t.table_name)).toEqual(['ok_table']);
    expect((await sql`select name from schema_migrations order by name`).map((r) => r.name)).toEqual([...files, '998_ok.sql']);
  });
});
