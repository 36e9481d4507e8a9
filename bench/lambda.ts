/**
 * Lambda as `npm run bench -- rush` runs it (a model, not Lambda): each
 * function has up to `limit` execution environments ("containers"), each a
 * worker thread of its own (bench/rush-container.ts) with its own module
 * state and postgres.js pool, serving one invocation at a time. A request
 * goes to a free warm container, else to a new one, whose cold start (the
 * thread's start and the bundle's import) is in that request's time; with
 * the function at its limit it is throttled at once, as Lambda throttles a
 * synchronous invocation, never queued. An invocation still running 10 s
 * after it began (serverless.yml's timeout; an init has 10 s of its own)
 * is cut off and its container discarded, as Lambda does.
 */
import { Worker } from 'node:worker_threads';
import type { FromContainer, ToContainer } from './rush-container';

/** serverless.yml's `timeout`, and Lambda's limit on an init. */
export const TIMEOUT_MS = 10_000;

/** What a handler returns (API Gateway's payload 2.0 response). */
export type Result = { statusCode: number; headers?: Record<string, string>; body?: string };

/** What became of one request: served by a container (cold: it started one), throttled, or cut off at the timeout. */
export type Invocation = { kind: 'served' | 'throttled' | 'timeout'; cold: boolean; result: Result };

/**
 * API Gateway's answers (HTTP API) where no handler answered: for a throttle, the
 * 429 of a route throttle set under the function's reserved concurrency
 * (docs/capacity.md, section 5), without Retry-After; for a function that
 * failed or timed out, 502.
 */
const THROTTLED: Result = { statusCode: 429, headers: { 'content-type': 'application/json' }, body: '{"message":"Too Many Requests"}' };
const FAILED: Result = { statusCode: 502, headers: { 'content-type': 'application/json' }, body: '{"message":"Internal Server Error"}' };

class Container {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (message: FromContainer) => void>();
  private next = 0;
  /** Until its first invocation has imported the bundle. */
  cold = true;
  dead = false;

  constructor(runtime: string, bundle: string, name: string, env: Record<string, string>, private readonly inits: number[]) {
    // No execArgv: the thread loads no TypeScript loader, only the bundle.
    this.worker = new Worker(runtime, { workerData: { bundle, functionName: name, timeoutMs: TIMEOUT_MS }, env, execArgv: [] });
    this.worker.on('message', (message: FromContainer) => this.waiting.get(message.id)?.(message));
    const die = () => {
      this.dead = true;
      for (const answer of this.waiting.values()) answer({ id: -1, error: 'the container died' });
    };
    this.worker.on('error', die).on('exit', die);
  }

  private send(message: ToContainer, answer: (message: FromContainer) => void) {
    this.waiting.set(message.id, answer);
    this.worker.postMessage(message);
  }

  /** One invocation: the result, `timeout` past the limit, or `failed` when the handler threw or the container died. */
  invoke(event: unknown): Promise<Result | 'timeout' | 'failed'> {
    const id = this.next++;
    return new Promise((resolve) => {
      const finish = (outcome: Result | 'timeout' | 'failed') => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(outcome);
      };
      // An init's 10 s first if cold, then the invocation's own.
      let timer = setTimeout(() => finish('timeout'), TIMEOUT_MS);
      this.send({ id, event }, (message) => {
        if ('ready' in message) {
          this.cold = false;
          this.inits.push(message.initMs);
          clearTimeout(timer);
          timer = setTimeout(() => finish('timeout'), TIMEOUT_MS);
        } else if ('result' in message) finish(message.result as Result);
        else finish('failed');
      });
    });
  }

  /** This thread's CPU time so far, in ms (0 once it is gone). */
  cpuMs(): Promise<number> {
    if (this.dead) return Promise.resolve(0);
    const id = this.next++;
    return new Promise((resolve) => {
      this.send({ id, cpu: true }, (message) => {
        this.waiting.delete(id);
        resolve('cpuMs' in message ? message.cpuMs : 0);
      });
    });
  }

  async stop(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

export class LambdaFunction {
  private readonly idle: Container[] = [];
  private readonly live = new Set<Container>();
  /** Each cold start's init (thread start and import), in ms. */
  readonly inits: number[] = [];
  readonly counts = { served: 0, throttled: 0, timeouts: 0, failed: 0 };

  constructor(
    readonly name: string,
    private readonly runtime: string,
    private readonly bundle: string,
    private readonly env: Record<string, string>,
    readonly limit: number,
  ) {}

  /** Runs the handler for `event` as Lambda would, or throttles it. */
  invoke = async (event: unknown): Promise<Invocation> => {
    let container = this.idle.pop();
    if (!container) {
      if (this.live.size >= this.limit) {
        this.counts.throttled++;
        return { kind: 'throttled', cold: false, result: THROTTLED };
      }
      container = new Container(this.runtime, this.bundle, this.name, this.env, this.inits);
      this.live.add(container);
    }
    const cold = container.cold;
    const outcome = await container.invoke(event);
    if (outcome === 'timeout' || outcome === 'failed' || container.dead) {
      // Lambda replaces an environment whose invocation timed out or crashed: the next request there starts cold.
      this.live.delete(container);
      void container.stop();
      if (outcome === 'timeout') this.counts.timeouts++;
      else this.counts.failed++;
      return { kind: outcome === 'timeout' ? 'timeout' : 'served', cold, result: FAILED };
    }
    this.counts.served++;
    this.idle.push(container);
    return { kind: 'served', cold, result: outcome };
  };

  /** CPU time of its containers so far, in ms: their threads, including their starts. */
  async cpuMs(): Promise<number> {
    return (await Promise.all([...this.live].map((c) => c.cpuMs()))).reduce((a, b) => a + b, 0);
  }

  /** Ends every container (their pools close with their threads). */
  async stop(): Promise<void> {
    const all = [...this.live];
    this.live.clear();
    this.idle.length = 0;
    await Promise.all(all.map((c) => c.stop()));
  }
}
