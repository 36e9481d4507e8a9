/**
 * `npm run bench -- bundles`: what each function costs a cold start, beside
 * the old stack. For every function zip that `serverless package` builds:
 * its size, and its cold import (a fresh `node` importing the unzipped
 * `.mjs`, median of ROUNDS, minus the median of a bare `node` started the
 * same way), beside the old Express stack's login route (bench/baseline/)
 * bundled with the esbuild settings of serverless.yml and zipped by
 * serverless-esbuild's own zip function, measured interleaved in the same run.
 *
 * `-- --zips <dir>` reads the zips of an earlier `serverless package` from
 * <dir> (e.g. `.serverless`) instead of packaging afresh: only when they are
 * known to be fresh. Imports run with an empty environment (PATH only): a
 * handler that needs a setting or a connection at import fails here.
 * Prints figures, asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { zip } from 'serverless-esbuild/dist/utils.js';
import { parse } from 'yaml';
import type { Figure } from './summary';

const ROUNDS = 15;
const ZIP_LIMIT_KB = 80;
const IMPORT_LIMIT = 0.25;
const BASELINE_ENTRY = 'bench/baseline/login.js';
/** API functions the zip limit does not apply to, each with its reason. Their cold import is still held to its limit. */
const ZIP_EXEMPT: Record<string, string> = {
  // Read from files, not imported: the zip grows, the handler and its cold start do not.
  docsAsset: 'carries Swagger UI (swagger-ui-dist: its script and styles, about 1.9 MB) for the browser',
  // Imported on first use (lib/payments/stripe.ts): the bundle grows, its cold import barely does.
  walletDeposit: "carries Stripe's SDK (the stripe package's CommonJS build, about 300 kB), which creates the PaymentIntents",
  paymentsStripeWebhook: "carries Stripe's SDK, which checks each event's signature",
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type Fn = { name: string; handler: string; api: boolean };
type Service = { functions: Fn[]; esbuild: Record<string, unknown> };

export const readService = (): Service => {
  const yml = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as {
    functions: Record<string, { handler: string; events?: Array<Record<string, unknown>> }>;
    custom: { esbuild: Record<string, unknown> };
  };
  return {
    functions: Object.entries(yml.functions).map(([name, f]) => ({
      name,
      handler: f.handler,
      // A WebSocket route's cold start delays a handshake or a frame's answer as an HTTP one delays its response.
      api: (f.events ?? []).some((e) => 'httpApi' in e || 'websocket' in e),
    })),
    esbuild: yml.custom.esbuild,
  };
};

/** serverless-esbuild's own options, which it removes before calling esbuild (its bundle.js). */
const PLUGIN_ONLY = [
  'concurrency', 'zipConcurrency', 'exclude', 'nativeZip', 'packager', 'packagePath', 'watch',
  'keepOutputDirectory', 'packagerOptions', 'installExtraArgs', 'outputFileExtension', 'outputBuildFolder',
  'outputWorkFolder', 'nodeExternals', 'skipBuild', 'skipRebuild', 'skipBuildExcludeFns',
  'stripEntryResolveExtensions', 'disposeContext',
];

/** The esbuild options serverless-esbuild derives from `custom.esbuild`. */
export const esbuildOptions = async (custom: Record<string, unknown>): Promise<BuildOptions> => {
  const options: Record<string, unknown> = Object.fromEntries(Object.entries(custom).filter(([k]) => !PLUGIN_ONLY.includes(k)));
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : []);
  const exclude = list(custom.exclude);
  options.external = [...list(custom.external), ...(exclude.includes('*') ? [] : exclude)];
  if (typeof options.plugins === 'string') {
    const loaded = (await import(pathToFileURL(join(root, options.plugins)).href)) as { default?: unknown };
    options.plugins = loaded.default ?? loaded;
  }
  const extension = typeof custom.outputFileExtension === 'string' ? custom.outputFileExtension : '.js';
  if (extension !== '.js') options.outExtension = { '.js': extension };
  return options as BuildOptions;
};

/** A TMPDIR inside the bench's work folder, removed with it. */
const scratchTmp = (work: string) => {
  const dir = join(work, 'tmp');
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** The old stack's login route, bundled and zipped as serverless package would. */
const buildBaseline = async (custom: Record<string, unknown>, work: string): Promise<string> => {
  const outdir = join(work, 'baseline-build');
  await build({ ...(await esbuildOptions(custom)), entryPoints: [join(root, BASELINE_ENTRY)], outdir, outbase: root, logLevel: 'error' });
  const extension = typeof custom.outputFileExtension === 'string' ? custom.outputFileExtension : '.js';
  const localPath = BASELINE_ENTRY.replace(/\.[cm]?[jt]s$/, extension);
  const artifact = join(work, 'baseline.zip');
  // zip() copies the file to a folder of os.tmpdir() first, and leaves it there.
  const tmp = process.env.TMPDIR;
  process.env.TMPDIR = scratchTmp(work);
  try {
    await zip(artifact, [{ rootPath: join(outdir, localPath), localPath }], custom.nativeZip === true);
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  }
  return artifact;
};

const packageFunctions = (work: string): string => {
  const out = join(work, 'package');
  console.log('Packaging every function (npx serverless package)…');
  // Its own esbuild work folder: a running `npm run dev` keeps its own. Its
  // own TMPDIR: serverless-esbuild leaves a copy of each bundle there.
  const run = spawnSync('npx', ['serverless', 'package', '--package', out], {
    cwd: root,
    env: { ...process.env, ESBUILD_WORK_FOLDER: join(work, 'esbuild'), TMPDIR: scratchTmp(work) },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`serverless package failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return out;
};

/** Extracts a zip (stored or deflated entries, no zip64: what packaging writes). */
const unzip = (file: string, into: string): void => {
  const data = readFileSync(file);
  const end = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${file}: not a zip`);
  const entries = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i++) {
    if (data.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const method = data.readUInt16LE(at + 10);
    const compressed = data.readUInt32LE(at + 20);
    const nameLength = data.readUInt16LE(at + 28);
    const local = data.readUInt32LE(at + 42);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    if (name.endsWith('/')) continue;
    const target = resolve(into, name);
    if (relative(into, target).startsWith('..')) throw new Error(`${file}: entry outside the archive: ${name}`);
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const body = data.subarray(start, start + compressed);
    if (method !== 0 && method !== 8) throw new Error(`${file}: ${name} uses compression method ${method}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, method === 8 ? inflateRawSync(body) : body);
  }
};

type Target = { label: string; api: boolean; zipBytes: number; mjs?: string; mjsBytes: number; exportName: string };

/** Nothing from this shell: no DATABASE_URL, no secrets, no NODE_OPTIONS. */
const bareEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

const spawnNode = (code: string, cwd: string) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd, env: bareEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Imports the module once and checks its handler is there; the reason it is not, else undefined. */
const importProblem = (t: Target, cwd: string): string | undefined => {
  const url = pathToFileURL(t.mjs!).href;
  const run = spawnNode(
    `const m = await import(${JSON.stringify(url)}); if (typeof m[${JSON.stringify(t.exportName)}] !== 'function') { console.error('no ${t.exportName} export'); process.exit(3); }`,
    cwd,
  );
  if (run.status === 0) return undefined;
  const why = `${run.stderr}`.split('\n').find((l) => /Error|export/.test(l)) ?? `exit ${run.status}`;
  return why.trim().slice(0, 120);
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Wall time of ROUNDS fresh processes per target, round-robin (each round in
 * a rotated order) so that load on the machine falls on all targets alike.
 */
const coldImports = (targets: Target[], cwd: string): { bare: number; imports: Map<Target, number> } => {
  const jobs: Array<{ target?: Target; code: string }> = [
    { code: '' },
    ...targets.map((target) => ({ target, code: `await import(${JSON.stringify(pathToFileURL(target.mjs!).href)})` })),
  ];
  const times = jobs.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < jobs.length; k++) {
      const i = (k + round * 7) % jobs.length;
      const began = performance.now();
      const run = spawnNode(jobs[i]!.code, cwd);
      const took = performance.now() - began;
      if (run.status !== 0) throw new Error(`cold import of ${jobs[i]!.target?.label ?? 'bare node'} failed: ${run.stderr}`);
      times[i]!.push(took);
    }
  }
  const bare = median(times[0]!);
  const imports = new Map<Target, number>();
  jobs.forEach((job, i) => job.target && imports.set(job.target, median(times[i]!) - bare));
  return { bare, imports };
};

const kb = (bytes: number) => bytes / 1000;
const right = (v: string, width: number) => v.padStart(width);
const left = (v: string, width: number) => v.padEnd(width);

export const main = async (): Promise<Figure[]> => {
  const args = process.argv.slice(3);
  const zipsAt = args.includes('--zips') ? args[args.indexOf('--zips') + 1] : undefined;
  const work = mkdtempSync(join(tmpdir(), 'pcf-bundles-'));
  try {
    const service = readService();
    const zips = zipsAt ? resolve(root, zipsAt) : packageFunctions(work);
    const baselineZip = await buildBaseline(service.esbuild, work);
    const extension = typeof service.esbuild.outputFileExtension === 'string' ? service.esbuild.outputFileExtension : '.js';

    const unpack = (label: string, artifact: string, handler: string, api: boolean): Target => {
      const into = join(work, 'unzipped', label);
      unzip(artifact, into);
      const exportName = handler.slice(handler.lastIndexOf('.') + 1);
      const mjs = join(into, handler.slice(0, handler.lastIndexOf('.')) + extension);
      return { label, api, zipBytes: statSync(artifact).size, mjs, mjsBytes: statSync(mjs).size, exportName };
    };
    const baseline = unpack('old stack: login', baselineZip, `${BASELINE_ENTRY.replace(/\.[cm]?[jt]s$/, '')}.handler`, false);
    const functions = service.functions.map((f) => unpack(f.name, join(zips, `${f.name}.zip`), f.handler, f.api));

    const failed = new Map<Target, string>();
    for (const t of [baseline, ...functions]) {
      const problem = importProblem(t, work);
      if (problem) failed.set(t, problem);
    }
    console.log(`Cold imports: ${ROUNDS} rounds of ${functions.length - failed.size + 2} fresh node processes…`);
    const { bare, imports } = coldImports([baseline, ...functions].filter((t) => !failed.has(t)), work);
    const base = imports.get(baseline)!;

    const rows = [
      `Function zips and cold imports (${zipsAt ? `zips from ${zipsAt}` : 'packaged now'}; node ${process.version}; median of ${ROUNDS}, minus bare node ${bare.toFixed(1)} ms)`,
      `${left('function', 22)} ${right('zip kB', 8)} ${right('.mjs kB', 8)} ${right('import ms', 10)} ${right('× old', 7)}  limits: zip ≤ ${ZIP_LIMIT_KB} kB, import ≤ ${IMPORT_LIMIT} × old (API functions)`,
    ];
    const line = (t: Target) => {
      const ms = imports.get(t);
      const ratio = ms === undefined ? undefined : ms / base;
      const marks = [
        t.api && kb(t.zipBytes) > ZIP_LIMIT_KB ? (ZIP_EXEMPT[t.label] ? `zip limit exempt: ${ZIP_EXEMPT[t.label]}` : `zip over ${ZIP_LIMIT_KB} kB`) : '',
        t.api && ratio !== undefined && ratio > IMPORT_LIMIT ? `import over ${IMPORT_LIMIT}` : '',
        failed.has(t) ? `IMPORT FAILS: ${failed.get(t)}` : '',
        t === baseline || t.api ? '' : '(not an API function)',
      ].filter(Boolean);
      rows.push(
        `${left(t.label, 22)} ${right(kb(t.zipBytes).toFixed(1), 8)} ${right(kb(t.mjsBytes).toFixed(1), 8)} ${right(ms === undefined ? '–' : ms.toFixed(1), 10)} ${right(ratio === undefined ? '–' : ratio.toFixed(2), 7)}  ${marks.map((m) => `<- ${m}`).join(' ')}`.trimEnd(),
      );
    };
    line(baseline);
    for (const t of functions) line(t);
    console.log(rows.join('\n'));

    const apis = functions.filter((t) => t.api);
    const largest = apis.filter((t) => !ZIP_EXEMPT[t.label]).reduce((a, b) => (b.zipBytes > a.zipBytes ? b : a));
    const slowest = apis.filter((t) => imports.has(t)).reduce((a, b) => (imports.get(b)! > imports.get(a)! ? b : a));
    const ratio = imports.get(slowest)! / base;
    return [
      { figure: 'largest API function zip', measured: `${kb(largest.zipBytes).toFixed(1)} kB (${largest.label})`, baseline: `${kb(baseline.zipBytes).toFixed(1)} kB (old stack)`, target: `≤ ${ZIP_LIMIT_KB} kB`, met: kb(largest.zipBytes) <= ZIP_LIMIT_KB },
      { figure: 'slowest API cold import, × old', measured: `${ratio.toFixed(2)} (${slowest.label}, ${imports.get(slowest)!.toFixed(1)} ms)`, baseline: `${base.toFixed(1)} ms (old stack)`, target: `≤ ${IMPORT_LIMIT}`, met: ratio <= IMPORT_LIMIT && failed.size === 0 },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
