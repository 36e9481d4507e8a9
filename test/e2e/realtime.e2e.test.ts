/**
 * Real time end to end: the real `serverless offline start` (its WebSocket
 * API running our bundled $connect, $disconnect and $default handlers, and
 * its management API behind postToConnection) driven by a real WebSocket
 * client, the `ws` package, while fans post over HTTP.
 *
 * As in api.e2e.test.ts, the child gets the run's database from
 * global-setup but its own Redis: a REST bridge over an in-memory Redis
 * started here, so the per-IP register limit is not shared with other runs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import WebSocket from 'ws';
import { db } from '../../lib/db';
import { startRedisBridge, type RedisBridge } from '../../scripts/redis-bridge';
import { startOffline, type Offline } from '../support/offline';

let offline: Offline | undefined;
let bridge: RedisBridge | undefined;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  bridge = await startRedisBridge({ token: randomBytes(16).toString('hex') }); // no redisUrl: in memory
  offline = await startOffline({
    env: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token, LOG_LEVEL: 'INFO' },
    startTimeoutMs: 90_000,
  });
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await offline?.stop();
  await bridge?.close();
});

const dumpOnFailure = () => onTestFailed(() => console.error(`--- serverless offline output ---\n${offline?.output()}`));

const call = async (method: string, path: string, token: string, body?: unknown) => {
  const res = await fetch(`${offline!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

const fan = async (name: string) => {
  const res = await fetch(`${offline!.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `ws.${randomBytes(5).toString('hex')}@example.test`, password: 'correct horse battery ws', name }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { user: { id: string }; access_token: string };
  return { id: body.user.id, token: body.access_token };
};

const socketUrl = (token?: string) => `ws://127.0.0.1:${offline!.ports.websocket}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

type Frame = { type: string; [key: string]: any };

/** An open socket and the frames it has received, awaited with a deadline. */
const open = (token: string) =>
  new Promise<{ socket: WebSocket; next: (match: (frame: Frame) => boolean, withinMs?: number) => Promise<Frame> }>((resolve, reject) => {
    const socket = new WebSocket(socketUrl(token));
    sockets.push(socket);
    const frames: Frame[] = [];
    const waiting = new Set<{ match: (frame: Frame) => boolean; found: (frame: Frame) => void }>();
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      frames.push(frame);
      for (const waiter of waiting) if (waiter.match(frame)) waiter.found(frame);
    });
    const next = (match: (frame: Frame) => boolean, withinMs = 1000) =>
      new Promise<Frame>((found, missed) => {
        const already = frames.find(match);
        if (already) return found(already);
        const waiter = {
          match,
          found: (frame: Frame) => {
            clearTimeout(timer);
            waiting.delete(waiter);
            found(frame);
          },
        };
        const timer = setTimeout(() => {
          waiting.delete(waiter);
          missed(new Error(`no such frame within ${withinMs} ms; received ${JSON.stringify(frames)}`));
        }, withinMs);
        waiting.add(waiter);
      });
    socket.once('open', () => resolve({ socket, next }));
    socket.once('error', reject);
  });

/** How a handshake ends: `open`, or the error `ws` reports for a refusal. */
const handshake = (token?: string) =>
  new Promise<string>((resolve) => {
    const socket = new WebSocket(socketUrl(token));
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('error', (error) => resolve(error.message));
  });

const connectionsOf = async (userId: string) =>
  (await db()<{ n: number }[]>`select count(*)::int as n from ws_connections where user_id = ${userId}`)[0]!.n;

const eventually = async (check: () => Promise<boolean>, withinMs: number) => {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
};

describe('the WebSocket API over serverless offline', () => {
  it('refuses a handshake without a valid access token (401)', async () => {
    dumpOnFailure();
    expect(await handshake()).toBe('Unexpected server response: 401');
    expect(await handshake('not-a-token')).toBe('Unexpected server response: 401');
  });

  it('answers a ping with a pong, and any other frame with an error frame', async () => {
    dumpOnFailure();
    const ana = await fan('Ana');
    const { socket, next } = await open(ana.token);
    socket.send(JSON.stringify({ action: 'ping' }));
    expect(await next((f) => f.type === 'pong', 5000)).toEqual({ type: 'pong' });
    socket.send('hello');
    expect(await next((f) => f.type === 'error', 5000)).toMatchObject({ type: 'error', error: 'unsupported-frame' });
  });

  it("delivers a message posted over HTTP to the other fan's socket within a second, and forgets a closed socket", async () => {
    dumpOnFailure();
    const [ana, eve] = await Promise.all([fan('Ana'), fan('Eve')]);
    const { socket, next } = await open(eve.token);
    expect(await connectionsOf(eve.id)).toBe(1);

    const conversation = await call('POST', '/api/social/conversations', ana.token, { participants: [eve.id] });
    expect([200, 201]).toContain(conversation.status);
    const path = `/api/social/conversations/${conversation.body.id}/messages`;
    // The route's first call starts its worker; the one measured below finds it warm.
    expect((await call('POST', path, ana.token, {})).status).toBe(400);

    const text = `Allez Monaco ! ${randomBytes(3).toString('hex')}`;
    const delivered = next((f) => f.type === 'message' && f.message?.message === text, 1000);
    const posted = await call('POST', path, ana.token, { message: text });
    expect(posted.status).toBe(201);
    expect(await delivered).toEqual({ type: 'message', conversation_id: conversation.body.id, message: posted.body });

    socket.close();
    expect(await eventually(async () => (await connectionsOf(eve.id)) === 0, 10_000)).toBe(true);
  });

  it('renews a connection with a fresh token sent up the socket, and closes one past its token at the next push', async () => {
    dumpOnFailure();
    const [ana, eve] = await Promise.all([fan('Ana'), fan('Eve')]);
    const lapsed = await open(eve.token);
    await db()`update ws_connections set expires_at = now() - interval '1 second' where user_id = ${eve.id}`;
    const kept = await open(eve.token);
    kept.socket.send(JSON.stringify({ action: 'renew', token: eve.token }));
    expect(await kept.next((f) => f.type === 'renewed', 5000)).toMatchObject({ type: 'renewed', expires_at: expect.any(String) });
    const closing = new Promise<number>((resolve) => lapsed.socket.once('close', resolve));

    const conversation = await call('POST', '/api/social/conversations', ana.token, { participants: [eve.id] });
    const text = `Dima Monaco ! ${randomBytes(3).toString('hex')}`;
    const delivered = kept.next((f) => f.type === 'message' && f.message?.message === text, 5000);
    expect((await call('POST', `/api/social/conversations/${conversation.body.id}/messages`, ana.token, { message: text })).status).toBe(201);
    await delivered;
    await closing;
    await expect(lapsed.next((f) => f.type === 'message', 100)).rejects.toThrow('no such frame');
    expect(await connectionsOf(eve.id)).toBe(1);
  });
});
