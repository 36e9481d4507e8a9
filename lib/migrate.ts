import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from './db';

const NAME = /^(\d{3,})_[\w-]+\.sql$/;
// Any fixed number: every runner of this project takes the same lock.
const LOCK_ID = 7_302_118;

export type Migration = { name: string; checksum: string; sql: string };

export const readMigrations = async (dir: string): Promise<Migration[]> => {
  const names = (await readdir(dir)).filter((f) => NAME.test(f)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
};

/**
 * Applies each pending file once, in order, each in its own transaction,
 * holding an advisory lock so two runners cannot both apply one. A file that
 * was applied and has changed since is refused: migrations are append-only.
 */
export const migrate = async (sql: Sql, dir: string): Promise<string[]> => {
  const migrations = await readMigrations(dir);
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${LOCK_ID})`;
    await conn`
      create table if not exists schema_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
    const applied = new Map(
      (await conn<{ name: string; checksum: string }[]>`select name, checksum from schema_migrations`).map((r) => [r.name, r.checksum]),
    );
    const done: string[] = [];
    for (const m of migrations) {
      const checksum = applied.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) throw new Error(`migration ${m.name} was changed after it was applied`);
        continue;
      }
      await conn`begin`;
      try {
        await conn.unsafe(m.sql).simple();
        await conn`insert into schema_migrations (name, checksum) values (${m.name}, ${m.checksum})`;
        await conn`commit`;
      } catch (error) {
        await conn`rollback`;
        throw new Error(`migration ${m.name} failed: ${(error as Error).message}`);
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await conn`select pg_advisory_unlock(${LOCK_ID})`.catch(() => {});
    conn.release();
  }
};
