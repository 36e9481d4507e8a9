/** `npm run migrate`: applies pending migrations to DATABASE_URL (and seeds with --seed). */
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { migrate } from '../lib/migrate';
import { seed } from './seed';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export const prepareDatabase = async (url: string, withSeed: boolean): Promise<string[]> => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const applied = await migrate(sql, MIGRATIONS_DIR);
    if (withSeed) await seed(sql);
    return applied;
  } finally {
    await sql.end();
  }
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('Set DATABASE_URL to the database to migrate.');
    process.exit(1);
  }
  const applied = await prepareDatabase(url, process.argv.includes('--seed'));
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply');
}
