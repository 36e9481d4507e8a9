/**
 * One Lambda execution environment of `npm run bench -- rush`, run in a
 * worker thread of its own: its first invocation imports the function's
 * bundle (the cold start, with its own module state and postgres.js pool),
 * then it serves one invocation at a time, as Lambda does. bench/rush.ts
 * bundles this file with esbuild, so that the thread loads no TypeScript
 * loader, only what a Lambda would.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

/** What the dispatcher sends: an invocation, or `cpu` (this thread's CPU time so far). */
export type ToContainer = { id: number; event: unknown } | { id: number; cpu: true };
/** What it answers: `ready` once the bundle is imported (a cold start), then each invocation's result, or the CPU asked for. */
export type FromContainer =
  | { id: number; ready: true; initMs: number }
  | { id: number; result: unknown; error?: undefined }
  | { id: number; error: string }
  | { id: number; cpuMs: number };

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const { bundle, functionName, timeoutMs } = workerData as { bundle: string; functionName: string; timeoutMs: number };
const port = parentPort!;
let handler: Handler | undefined;

port.on('message', async (message: ToContainer) => {
  if ('cpu' in message) {
    const { user, system } = process.threadCpuUsage();
    port.postMessage({ id: message.id, cpuMs: (user + system) / 1000 } satisfies FromContainer);
    return;
  }
  try {
    if (!handler) {
      const began = performance.now();
      handler = ((await import(pathToFileURL(bundle).href)) as { handler: Handler }).handler;
      port.postMessage({ id: message.id, ready: true, initMs: performance.now() - began } satisfies FromContainer);
    }
    // Lambda's clock for the invocation starts once the init is done; middy reads it to answer before the timeout.
    const deadline = Date.now() + timeoutMs;
    const context = { awsRequestId: randomUUID(), functionName, getRemainingTimeInMillis: () => deadline - Date.now() };
    port.postMessage({ id: message.id, result: await handler(message.event, context) } satisfies FromContainer);
  } catch (error) {
    port.postMessage({ id: message.id, error: String(error) } satisfies FromContainer);
  }
});
