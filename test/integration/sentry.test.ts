/**
 * Unexpected errors reach Sentry when SENTRY_DSN is set, with the request id
 * and route and nothing of the request; unset, nothing is sent. Sentry is a
 * local server here that records the envelopes it receives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { handler as me } from '../../functions/auth/me';
import * as users from '../../lib/auth/users';
import { newFan } from '../support/fans';
import { invoke } from '../support/http';

const received: { path: string; body: string }[] = [];
let sentry: Server;
let dsn: string;

beforeAll(async () => {
  sentry = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => sentry.listen(0, '127.0.0.1', resolve));
  dsn = `http://publickey@127.0.0.1:${(sentry.address() as AddressInfo).port}/42`;
});
afterEach(() => {
  delete process.env.SENTRY_DSN;
  received.length = 0;
});
afterAll(() => new Promise((resolve) => sentry.close(resolve)));

const fail = async (token: string) => {
  vi.spyOn(users, 'getMe').mockRejectedValueOnce(new Error('connection to the database lost'));
  const res = await invoke(me, { path: '/api/auth/me', token, headers: { cookie: 'session=cookie-secret' } });
  expect(res.status).toBe(500);
  return res;
};

it('sends one event per 500, with its request id and route and no secret', async () => {
  const fan = await newFan();
  process.env.SENTRY_DSN = dsn;
  const res = await fail(fan.token);
  expect(received).toHaveLength(1);
  const [{ path, body }] = received as [{ path: string; body: string }];
  expect(path).toMatch(/^\/api\/42\/envelope\//);
  const [, header, event] = body.split('\n').map((l) => JSON.parse(l));
  expect(header.type).toBe('event');
  expect(event.tags).toEqual({ request_id: res.body.request_id, route: 'getMe' });
  expect(event.exception.values[0].value).toBe('connection to the database lost');
  for (const secret of [fan.token, fan.password, 'cookie-secret', process.env.JWT_SECRET!]) expect(body).not.toContain(secret);
  expect(event.request).toBeUndefined();
});

it('sends nothing without SENTRY_DSN', async () => {
  const fan = await newFan();
  await fail(fan.token);
  expect(received).toEqual([]);
});
