/**
 * `npm run bench` runs every benchmark of this folder, then prints the
 * figures each reports against its target in one table;
 * `npm run bench -- <name>` runs one.
 */
import { printFigures, type Figure } from './summary';

// One metrics line per deposit or purchase on stdout would bury the figures.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The benches call the handlers through the tests' invoke(): its check of each answer against the OpenAPI document is not the handlers' time.
process.env.CONTRACT_CHECK ??= 'off';

const benches: Record<string, () => Promise<{ main(): Promise<Figure[]> }>> = {
  wallet: () => import('./wallet'),
  reads: () => import('./reads'),
  bundles: () => import('./bundles'),
  recommendations: () => import('./recommendations'),
  rush: () => import('./rush'),
  sessions: () => import('./sessions'),
};

const name = process.argv[2];
if (name !== undefined && !Object.hasOwn(benches, name)) {
  console.error(`no bench named "${name}"; usage: npm run bench [-- <name>], one of: ${Object.keys(benches).join(', ')}`);
  process.exitCode = 1;
} else {
  const figures: Figure[] = [];
  const given = { ...process.env };
  for (const load of name === undefined ? Object.values(benches) : [benches[name]!]) {
    figures.push(...(await (await load()).main()));
    // Each bench points the lib at its own scratch database, proxy and Redis, stopped once it is done:
    // the next starts from the environment the run was given, and a Postgres and a Redis client made for it
    // (the rush left the lib's pool on its dropped database, where the next bench's useScratch then read).
    for (const key of Object.keys(process.env)) if (!(key in given)) delete process.env[key];
    Object.assign(process.env, given);
    await (await import('../lib/db')).closeDb();
    (await import('../lib/redis')).resetRedis();
  }
  printFigures(figures);
}

// Makes this file a module, where top-level await is allowed.
export {};
