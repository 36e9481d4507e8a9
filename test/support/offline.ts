/**
 * Runs the real `serverless offline start` as a child process, for end-to-end
 * tests over HTTP.
 *
 * Its bundles go to a work folder of its own (ESBUILD_WORK_FOLDER), so it
 * never shares one with `npm run dev` or `serverless package`.
 *
 * The child is spawned detached, in its own process group, so `stop()` can
 * signal it together with what it spawned (esbuild's service process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/local-services';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type Offline = {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  ports: { http: number; lambda: number; websocket: number };
  /** The child's stdout and stderr so far (the last lines), for failure messages. */
  output(): string;
  /** SIGINT to the process group, SIGKILL after `graceMs`; then deletes its bundles. Idempotent. */
  stop(graceMs?: number): Promise<void>;
};

export type OfflineOptions = {
  /**
   * `npm run dev` (starting its own Redis bridge and migrating the database
   * first), where a test is about the dev server itself; else serverless
   * offline alone.
   */
  viaDev?: boolean;
  /** The folder of another serverless.yml to run, a test's own service (default: the API's, at the repository's root). */
  service?: string;
  /** Added to (and overriding) process.env for the child. */
  env?: Record<string, string | undefined>;
  /** How long to wait for GET `readyPath` to answer, in ms. */
  startTimeoutMs?: number;
  readyPath?: string;
};

const distinctFreePorts = async (count: number): Promise<number[]> => {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const signalGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone already
  }
};

export const startOffline = async (options: OfflineOptions = {}): Promise<Offline> => {
  const [http, lambda, websocket] = (await distinctFreePorts(3)) as [number, number, number];
  const url = `http://127.0.0.1:${http}`;
  const workFolder = `.data/esbuild-e2e-${randomBytes(4).toString('hex')}`;

  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n'));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  const output = () => lines.join('\n');

  const flags = [
    '--host', '127.0.0.1',
    '--httpPort', String(http),
    '--lambdaPort', String(lambda),
    '--websocketPort', String(websocket),
    '--noSponsor',
  ];
  const [command, args] = options.viaDev
    ? ['npm', ['run', 'dev', '--', ...flags]]
    : [join(root, 'node_modules/.bin/serverless'), ['offline', 'start', ...flags]];
  const child: ChildProcess = spawn(
    command,
    args,
    { cwd: options.service ?? root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env, ESBUILD_WORK_FOLDER: workFolder } },
  );
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // Spawn errors (ENOENT, EACCES) surface as 'error', and then no 'exit' may follow.
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
    keep(Buffer.from(`spawn error: ${error.message}\n`));
  });
  const running = () => child.exitCode === null && child.signalCode === null && !spawnError;

  // If the test worker exits without running afterAll, still take the server down.
  const onExit = () => child.pid && signalGroup(child.pid, 'SIGKILL');
  process.once('exit', onExit);

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> =>
    (stopping ??= (async () => {
      process.off('exit', onExit);
      const pid = child.pid;
      if (pid && running()) {
        signalGroup(pid, 'SIGINT');
        const graceful = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
        if (!graceful) {
          signalGroup(pid, 'SIGKILL');
          await Promise.race([exited, sleep(5000)]);
        }
      }
      // Whatever the leader left in its group (esbuild's service) goes too.
      if (pid) signalGroup(pid, 'SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
      await rm(join(root, workFolder), { recursive: true, force: true });
    })());

  const readyPath = options.readyPath ?? '/api/health';
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  try {
    for (;;) {
      if (!running()) throw new Error(`serverless offline exited before answering (code ${child.exitCode}, signal ${child.signalCode})`);
      const answered = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(5000) })
        .then(async (res) => (await res.arrayBuffer(), true))
        .catch(() => false);
      if (answered) break;
      if (Date.now() > deadline) throw new Error(`serverless offline did not answer GET ${readyPath} within ${options.startTimeoutMs ?? 90_000} ms`);
      await sleep(250);
    }
  } catch (error) {
    await stop(2000);
    throw new Error(`${(error as Error).message}\n--- serverless offline output ---\n${output()}`);
  }

  return { url, ports: { http, lambda, websocket }, output, stop };
};
