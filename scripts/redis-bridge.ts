/**
 * A local stand-in for Upstash's REST API, for dev and tests only: POST / with
 * a command array, /pipeline and /multi-exec with arrays of them, Bearer
 * token, `Upstash-Encoding: base64` answers and errors as `{error}`. It fronts
 * a real Redis when one answers, else an in-memory one (ioredis-mock).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

type Command = Array<string | number>;
type Client = Record<string, (...args: unknown[]) => Promise<unknown>> & {
  multi(commands: string[][]): { exec(): Promise<Array<[Error | null, unknown]> | null> };
  quit(): Promise<unknown>;
  disconnect(): void;
};

export type RedisBridge = {
  url: string;
  token: string;
  backend: 'redis' | 'memory';
  /** The bridge's client name on a real Redis (`CLIENT LIST`), so an operator or a drill can find its connection. */
  clientName: string;
  close(): Promise<void>;
};

/** After a drop or a restart, try again soon, then every 2 s at most, for as long as the bridge runs. */
export const reconnectDelay = (attempt: number): number => Math.min(100 * 2 ** (attempt - 1), 2000);

const connect = async (redisUrl: string | undefined, clientName: string, keyPrefix?: string): Promise<{ client: Client; backend: 'redis' | 'memory' }> => {
  if (redisUrl) {
    let connected = false;
    const real = new Redis(redisUrl, {
      lazyConnect: true,
      connectTimeout: 1000,
      // A Redis that is not there at start is not waited for: the bridge falls back to memory.
      retryStrategy: (attempt) => (connected ? reconnectDelay(attempt) : null),
      // While Redis is away a command fails at once (the API then reads Postgres) instead of queueing.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: clientName,
      ...(keyPrefix ? { keyPrefix } : {}),
    });
    real.on('error', () => {});
    try {
      await real.connect();
      await real.ping();
      connected = true;
      return { client: real as unknown as Client, backend: 'redis' };
    } catch {
      real.disconnect();
    }
  }
  const { default: RedisMock } = await import('ioredis-mock');
  return { client: new RedisMock() as unknown as Client, backend: 'memory' };
};

/*
 * Upstash's scripts open with a shebang whose flags (allow-key-locking)
 * open-source Redis and the mock refuse. The bridge drops that line, and
 * maps the client's EVALSHA of the original text to the script it ran.
 */
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const withoutShebang = (script: string) => (script.startsWith('#!') ? script.slice(script.indexOf('\n') + 1) : script);

/** Both ioredis and ioredis-mock expose each command as a method (the mock has no generic call). */
const runner = (client: Client) => {
  const scripts = new Map<string, string>();
  return (command: Command): Promise<unknown> => {
    const [name, ...rest] = command;
    const verb = String(name).toLowerCase();
    const args = rest.map(String);
    if ((verb === 'eval' || verb === 'eval_ro') && args[0] !== undefined) {
      const script = withoutShebang(args[0]);
      scripts.set(sha1(args[0]), script);
      args[0] = script;
    } else if ((verb === 'evalsha' || verb === 'evalsha_ro') && args[0] !== undefined) {
      const script = scripts.get(args[0].toLowerCase());
      if (!script) return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
      return client.eval!(script, ...args.slice(1));
    }
    // Redis reads SET's options in any case; the mock only in upper case.
    if (verb === 'set') args.splice(2, Infinity, ...args.slice(2).map((a) => a.toUpperCase()));
    const method = client[verb === 'eval_ro' ? 'eval' : verb];
    if (typeof method !== 'function') return Promise.reject(new Error(`ERR unknown command '${name}'`));
    return method.apply(client, args);
  };
};

const encode = (value: unknown): unknown => {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(encode);
  return value ?? null;
};

const readBody = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
};

const isCommand = (value: unknown): value is Command =>
  Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' || typeof v === 'number');

/**
 * `keyPrefix` puts every key under a namespace of its own (a test run's), so
 * that runs sharing one Redis, with each other or with `npm run dev`, never
 * read a value cached from another's database.
 */
/**
 * Deletes a namespace's keys: a bridge with a namespace of its own serves a
 * test run or a bench, whose keys (cached values, versions, rate counters)
 * would otherwise stay in the shared Redis until their TTLs ran out. ioredis
 * prefixes the keys of UNLINK but not SCAN's pattern or what SCAN answers.
 */
const forget = async (client: Client, prefix: string) => {
  const real = client as unknown as Redis;
  let cursor = '0';
  do {
    const [next, found] = await real.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (found.length > 0) await real.unlink(...found.map((key) => key.slice(prefix.length)));
    cursor = next;
  } while (cursor !== '0');
};

export const startRedisBridge = async (options: { port?: number; token?: string; redisUrl?: string; keyPrefix?: string } = {}): Promise<RedisBridge> => {
  const token = options.token ?? 'local-dev-token';
  const clientName = `paiecashfan-bridge-${randomBytes(4).toString('hex')}`;
  const { client, backend } = await connect(options.redisUrl, clientName, options.keyPrefix);
  const run = runner(client);

  const answer = async (req: IncomingMessage): Promise<[number, unknown]> => {
    if (req.headers.authorization !== `Bearer ${token}`) return [401, { error: 'Unauthorized' }];
    if (req.method !== 'POST') return [405, { error: 'ERR only POST is served' }];
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const out = (value: unknown) => (base64 ? encode(value) : value ?? null);
    let body: unknown;
    try {
      body = await readBody(req);
    } catch {
      return [400, { error: 'ERR failed to parse JSON body' }];
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/pipeline' || path === '/multi-exec') {
      if (!Array.isArray(body) || !body.every(isCommand)) return [400, { error: 'ERR expected an array of commands' }];
      if (path === '/multi-exec') {
        const results = (await client.multi(body.map((c) => c.map(String))).exec()) ?? [];
        return [200, results.map(([err, result]) => (err ? { error: err.message } : { result: out(result) }))];
      }
      const results = [];
      for (const command of body) {
        try {
          results.push({ result: out(await run(command)) });
        } catch (error) {
          results.push({ error: (error as Error).message });
        }
      }
      return [200, results];
    }
    if (!isCommand(body)) return [400, { error: 'ERR expected a command array such as ["GET","key"]' }];
    try {
      return [200, { result: out(await run(body)) }];
    } catch (error) {
      return [400, { error: (error as Error).message }];
    }
  };

  const server: Server = createServer((req, res) => {
    answer(req)
      .catch((error: Error): [number, unknown] => [500, { error: `ERR ${error.message}` }])
      .then(([status, payload]) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    backend,
    clientName,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      if (options.keyPrefix && backend === 'redis') await forget(client, options.keyPrefix).catch(() => {});
      // While Redis is away QUIT cannot be sent; disconnecting also stops the reconnect attempts.
      await client.quit().catch(() => client.disconnect());
    },
  };
};
