import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { errors, Redis, type Requester } from '@upstash/redis';
import { config } from './config';

// Not an ESM import: on Node 22 building node:http's ESM facade reads every
// export, and its WebSocket getters load undici, about 15 ms of every cold
// start (nodejs/node#59686). The CommonJS module is the same one, unread.
const { Agent: HttpAgent, request: httpRequest } = process.getBuiltinModule('node:http');

let client: Redis | null | undefined;

/**
 * Upstash's REST protocol on node:http(s) with kept-alive connections, as the
 * client's `Requester`. Its own transport is `fetch`, which spends about
 * twice the CPU per call (0.9 ms against 0.4 ms per pipeline, measured on
 * the dev machine), and every money movement makes one such call to clear
 * its caches. The protocol is the client's: the command as a JSON POST with
 * the Bearer token, `{result}` or `{error}` back, and the sync token that
 * gives read-your-writes. A call is cut off once the connection has been
 * quiet for `timeoutMs` and never retried: Redis is a cache here, and a slow
 * cache must not make a request slow.
 */
const restRequester = (url: string, token: string, timeoutMs: number): Requester => {
  const base = new URL(url);
  const secure = base.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/$/, '');
  const requester: Requester = {
    readYourWrites: true,
    upstashSyncToken: '',
    request: (req) =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify(req.body);
        const headers: Record<string, string | number> = {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...req.headers,
        };
        if (requester.upstashSyncToken) headers['upstash-sync-token'] = requester.upstashSyncToken;
        const answered = (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: { error?: string };
            try {
              parsed = JSON.parse(text);
            } catch (cause) {
              return reject(new errors.UpstashJSONParseError(text, { cause }));
            }
            requester.upstashSyncToken = String(res.headers['upstash-sync-token'] ?? '');
            if (res.statusCode !== 200) return reject(new errors.UpstashError(`${parsed.error}, command was: ${body}`));
            resolve(parsed);
          });
        };
        const path = [prefix, ...(req.path ?? [])].join('/') || '/';
        const call = send({ host: base.hostname, port: base.port, path, method: 'POST', agent, headers, timeout: timeoutMs }, answered);
        call.on('timeout', () => call.destroy(new Error(`Redis did not answer within ${timeoutMs} ms`)));
        call.on('error', reject);
        call.end(body);
      }),
  };
  return requester;
};

/** The Upstash REST client, or null when none is configured. */
export const redis = (): Redis | null => {
  if (client !== undefined) return client;
  const url = config.redisUrl();
  client = url ? new Redis(restRequester(url, config.redisToken() ?? '', config.redisTimeoutMs())) : null;
  return client;
};

/** Forgets the client so the next call reads the settings again (tests). */
export const resetRedis = (): void => {
  client = undefined;
};
