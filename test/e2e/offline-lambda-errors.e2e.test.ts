/**
 * What `npm run dev` answers when a Lambda fails rather than answers: a
 * timeout or a crash must reach the client as a 5xx, never as a 200 that an
 * app would take for a sale. API Gateway's HTTP API answers a function
 * error `{"message":"Internal Server Error"}`; serverless-offline 14.8.2
 * answered 200 with the error object as the body, which
 * patches/serverless-offline+14.8.2.patch corrects as 14.8.4 does (README,
 * Reliability).
 *
 * The Lambdas are a service of their own (./offline-lambda-errors): the
 * API's functions answer 503 in time on their own (lib/http/problems.ts),
 * and none should be made to misbehave for this.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOffline, type Offline } from '../support/offline';

let offline: Offline | undefined;

beforeAll(async () => {
  // Any answer will do for ready: this service has no /api/health, so it is a 404.
  offline = await startOffline({ service: fileURLToPath(new URL('./offline-lambda-errors', import.meta.url)) });
}, 120_000);

afterAll(async () => {
  await offline?.stop();
});

const get = async (path: string) => {
  const res = await fetch(`${offline!.url}${path}`, { signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.text() };
};

describe('serverless-offline, for an HTTP API Lambda that fails', () => {
  it('answers one that runs past its timeout 504, though it would have answered a success later', async () => {
    expect(await get('/late')).toEqual({ status: 504, body: '{"message":"Internal Server Error"}' });
  });

  it('answers one that throws 500', async () => {
    expect(await get('/broken')).toEqual({ status: 500, body: '{"message":"Internal Server Error"}' });
  });
});
