/**
 * Real time in process: the WebSocket routes' handlers with the events API
 * Gateway (and serverless-offline) send them, and pushes to a small HTTP
 * server standing in for the management API (`POST /@connections/{id}`,
 * and `DELETE` to close one), which answers by the connection id's prefix:
 * `alive-` 200, `gone-` 410, `broken-` 500.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as activate } from '../../functions/esim/activate';
import { handler as usageWebhook } from '../../functions/esim/webhook-usage';
import { handler as queueJoin } from '../../functions/tickets/queue-join';
import { handler as resaleBuy } from '../../functions/tickets/resale-buy';
import { handler as resaleOffer } from '../../functions/tickets/resale-offer';
import { handler as transfer } from '../../functions/tickets/transfer';
import { handler as connect } from '../../functions/ws/connect';
import { handler as frame } from '../../functions/ws/default';
import { handler as disconnect } from '../../functions/ws/disconnect';
import { AUDIENCE, ISSUER, signAccessToken } from '../../lib/auth/tokens';
import { db } from '../../lib/db';
import { GIVE_UP_BEFORE_TIMEOUT_MS } from '../../lib/http/problems';
import { onFrame, type SocketEvent } from '../../lib/http/websocket';
import { logger } from '../../lib/log';
import { purgeStaleConnections } from '../../lib/realtime/connections';
import { pushTo } from '../../lib/realtime/push';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { managementApi, type ManagementApi } from '../support/management-api';
import { disputeOf, signed, stripeEventOf, withStripe } from '../support/stripe';
import { buy, newEvent } from '../support/tickets';
import { deliver, deposit, key } from '../support/wallet';

/** What the stand-in management API received, by connection id, and the connections it was asked to close. */
let received: ManagementApi['received'];
let closed: ManagementApi['closed'];
let endpoint: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ received, closed, endpoint, close: stop } = await managementApi());
});

afterAll(() => stop());

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.IS_OFFLINE;
});

const DEPLOYED = { domainName: 'abc123.execute-api.eu-west-3.amazonaws.com', stage: 'prod' };

/** The event API Gateway sends a WebSocket route. */
const socketEvent = (routeKey: string, connectionId: string, extra: Partial<SocketEvent> = {}): SocketEvent =>
  ({
    isBase64Encoded: false,
    ...extra,
    requestContext: {
      routeKey,
      connectionId,
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      requestId: randomUUID(),
      apiId: 'abc123',
      ...DEPLOYED,
    },
  }) as SocketEvent;

/** A Lambda context, whose remaining time counts down from `remainingMs` as Lambda's does. */
const context = (remainingMs = 10_000) => {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as unknown as Context;
};

const open = (connectionId: string, token: string | undefined, headers: Record<string, string> = {}) =>
  connect(socketEvent('$connect', connectionId, { queryStringParameters: token === undefined ? undefined : { token }, headers }), context());

/** A connection of the fan's as serverless-offline's $connect stores it: reached at the stand-in. */
const openOffline = async (fan: Fan, label = 'alive') => {
  const id = `${label}-${randomUUID()}`;
  process.env.IS_OFFLINE = 'true';
  expect(await open(id, fan.token, { Host: new URL(endpoint).host })).toEqual({ statusCode: 200 });
  delete process.env.IS_OFFLINE;
  return id;
};

const connectionRow = async (id: string) =>
  (await db()<{ user_id: string; endpoint: string }[]>`select user_id, endpoint from ws_connections where connection_id = ${id}`)[0];

const expiryOf = async (id: string) => (await db()<{ expires_at: Date }[]>`select expires_at from ws_connections where connection_id = ${id}`)[0]?.expires_at;

/** The expiry an access token carries. */
const expOf = (token: string) => new Date((JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000);

describe('$connect', () => {
  it('refuses a missing, malformed, foreign or expired token with 401, and stores nothing', async () => {
    const fan = await newFan();
    const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(fan.id).setIssuer(ISSUER).setAudience(AUDIENCE)
      .setIssuedAt().setExpirationTime('15m').sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123'));
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(fan.id).setIssuer(ISSUER).setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(process.env.JWT_SECRET!));
    for (const token of [undefined, '', 'not-a-jwt', foreign, expired, `${fan.token}x`]) {
      const id = `refused-${randomUUID()}`;
      expect(await open(id, token), String(token)).toEqual({ statusCode: 401 });
      expect(await connectionRow(id)).toBeUndefined();
    }
  });

  it('refuses a valid token of an account that no longer exists', async () => {
    const id = `refused-${randomUUID()}`;
    expect(await open(id, await signAccessToken(randomUUID()))).toEqual({ statusCode: 401 });
    expect(await connectionRow(id)).toBeUndefined();
  });

  it("stores the fan's connection with the stage's management endpoint, or serverless-offline's WebSocket port", async () => {
    const fan = await newFan();
    const deployed = `deployed-${randomUUID()}`;
    expect(await open(deployed, fan.token, { Host: DEPLOYED.domainName })).toEqual({ statusCode: 200 });
    expect(await connectionRow(deployed)).toEqual({ user_id: fan.id, endpoint: `https://${DEPLOYED.domainName}/${DEPLOYED.stage}` });
    const offline = await openOffline(fan);
    expect(await connectionRow(offline)).toEqual({ user_id: fan.id, endpoint });
    // Trusted for as long as the token it was opened with.
    expect(await expiryOf(deployed)).toEqual(expOf(fan.token));
  });
});

describe('a connection past its token', () => {
  it("is closed, not pushed to, once its token has expired unrenewed; the fan's other connection still gets the push", async () => {
    const fan = await newFan();
    const [expired, renewed] = [await openOffline(fan), await openOffline(fan)];
    await db()`update ws_connections set expires_at = now() - interval '1 second' where connection_id = ${expired}`;
    await pushTo([fan.id], { type: 'read' });
    expect(received.get(expired)).toBeUndefined();
    expect(closed.has(expired)).toBe(true);
    expect(await connectionRow(expired)).toBeUndefined();
    expect(received.get(renewed)).toEqual([{ type: 'read' }]);
    expect(closed.has(renewed)).toBe(false);
  });

  it("is renewed by a fresh token of the same fan sent up the socket, and by no other fan's", async () => {
    const [fan, eve] = await Promise.all([newFan(), newFan()]);
    const id = await openOffline(fan);
    await db()`update ws_connections set expires_at = now() + interval '1 minute' where connection_id = ${id}`;
    const send = (body: unknown) => frame(socketEvent('$default', id, { body: JSON.stringify(body) }), context());

    const fresh = await signAccessToken(fan.id);
    expect(await send({ action: 'renew', token: fresh })).toEqual({ statusCode: 200 });
    expect(await expiryOf(id)).toEqual(expOf(fresh));
    for (const token of [eve.token, 'not-a-jwt', `${fresh}x`]) expect(await send({ action: 'renew', token })).toEqual({ statusCode: 200 });
    expect(await expiryOf(id)).toEqual(expOf(fresh));
    expect(received.get(id)).toEqual([
      { type: 'renewed', expires_at: expOf(fresh).toISOString() },
      ...Array.from({ length: 3 }, () => ({ type: 'error', error: 'unauthorized', detail: expect.any(String) })),
    ]);
  });
});

describe('$default and $disconnect', () => {
  it('answer a ping with a pong and any other frame with an error frame; $disconnect forgets the connection', async () => {
    const fan = await newFan();
    const id = await openOffline(fan);
    const send = (body: string | undefined) => frame(socketEvent('$default', id, { body }), context());

    expect(await send('{"action":"ping"}')).toEqual({ statusCode: 200 });
    for (const body of ['{"action":"shout"}', '{"action":"ping","extra":1}', 'not json', '[]', 'null', '', undefined]) {
      expect(await send(body), String(body)).toEqual({ statusCode: 200 });
    }
    expect(received.get(id)).toEqual([
      { type: 'pong' },
      ...Array.from({ length: 7 }, () => ({ type: 'error', error: 'unsupported-frame', detail: expect.any(String) })),
    ]);

    expect(await disconnect(socketEvent('$disconnect', id), context())).toEqual({ statusCode: 200 });
    expect(await connectionRow(id)).toBeUndefined();
    // Again, as a late duplicate would: nothing left to forget, nothing fails.
    expect(await disconnect(socketEvent('$disconnect', id), context())).toEqual({ statusCode: 200 });
  });

  it('a connection older than API Gateway lets one live is purged, $disconnect or not', async () => {
    const fan = await newFan();
    const [stale, fresh] = [await openOffline(fan), await openOffline(fan)];
    await db()`update ws_connections set connected_at = now() - interval '2 hours 1 minute' where connection_id = ${stale}`;
    expect(await purgeStaleConnections()).toBeGreaterThanOrEqual(1);
    expect(await connectionRow(stale)).toBeUndefined();
    expect(await connectionRow(fresh)).toBeDefined();
  });
});

describe('an event whose work outlives its time', () => {
  it('is given up and answered 503 with time to spare before the Lambda times out, and logged', async () => {
    const logged = vi.spyOn(logger, 'info');
    const stuck = onFrame(() => new Promise(() => {}));
    // Time enough to start the work, so that it is given up on, not refused at once.
    const remainingMs = GIVE_UP_BEFORE_TIMEOUT_MS + 500;
    const deadline = Date.now() + remainingMs;
    expect(await stuck(socketEvent('$default', `stuck-${randomUUID()}`, { body: '{"action":"ping"}' }), context(remainingMs))).toEqual({ statusCode: 503 });
    expect(deadline - Date.now(), 'time the invocation had left when answered').toBeGreaterThan(GIVE_UP_BEFORE_TIMEOUT_MS / 2);
    expect(logged).toHaveBeenCalledWith('websocket', expect.objectContaining({ route: '$default', status: 503 }));
  });
});

describe('pushTo', () => {
  it("posts to every connection of the fans, forgets a connection gone (410), logs other failures and never throws", async () => {
    const [ana, eve, bob] = await Promise.all([newFan(), newFan(), newFan()]);
    const anaPhone = await openOffline(ana);
    const anaLaptop = await openOffline(ana);
    const eveGone = await openOffline(eve, 'gone');
    const eveBroken = await openOffline(eve, 'broken');
    const bobPhone = await openOffline(bob);
    const warn = vi.spyOn(logger, 'warn');

    const event = { type: 'message', conversation_id: randomUUID(), message: { text: 'Allez Monaco !' } };
    await expect(pushTo([ana.id, eve.id], event)).resolves.toBeUndefined();

    expect(received.get(anaPhone)).toEqual([event]);
    expect(received.get(anaLaptop)).toEqual([event]);
    expect(received.get(bobPhone)).toBeUndefined();
    expect(await connectionRow(eveGone)).toBeUndefined();
    expect(await connectionRow(eveBroken)).toMatchObject({ user_id: eve.id });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith('push failed', expect.objectContaining({ type: 'message', connection_id: eveBroken, status: 500 }));
  });

  it('never throws when it cannot even look the connections up, and logs why', async () => {
    const error = vi.spyOn(logger, 'error');
    await expect(pushTo(['not-a-uuid'], { type: 'read' })).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledWith('push failed', expect.objectContaining({ type: 'read' }));
    await expect(pushTo([], { type: 'read' })).resolves.toBeUndefined();
  });
});

describe('notifications pushed as they are recorded, once', () => {
  const notificationsOf = (id: string) => (received.get(id) ?? []) as { type: string; notification: { kind: string; payload: Record<string, unknown> } }[];

  it("a ticket given: to its recipient; a resale: to its seller; never again on a replay", async () => {
    const [ana, eve, bob] = await Promise.all([newFan({ name: 'Ana' }), newFan({ name: 'Eve' }), newFan({ name: 'Bob' })]);
    await Promise.all([deposit(ana, 5000), deposit(bob, 5000)]);
    const ticket = (await buy(ana, await newEvent(10, 3000))).body.tickets[0].id as string;
    const [anaSocket, eveSocket] = [await openOffline(ana), await openOffline(eve)];

    const giftKey = key();
    const give = () => invoke(transfer, { path: `/api/tickets/${ticket}/transfer`, token: ana.token, params: { id: ticket }, headers: { 'idempotency-key': giftKey }, body: { to: eve.id } });
    expect((await give()).status).toBe(200);
    expect((await give()).headers['idempotent-replayed']).toBe('true');
    expect(notificationsOf(eveSocket)).toEqual([
      { type: 'notification', notification: { id: expect.any(String), kind: 'ticket-received', payload: expect.objectContaining({ ticket_id: ticket, from: 'Ana' }), created_at: expect.any(String) } },
    ]);

    const offer = await invoke(resaleOffer, { path: `/api/tickets/${ticket}/resale`, token: eve.token, params: { id: ticket }, body: { price: 2500 } });
    expect(offer.status).toBe(201);
    const saleKey = key();
    const purchase = () => invoke(resaleBuy, { path: `/api/tickets/resale/${offer.body.id}/buy`, method: 'POST', token: bob.token, params: { id: offer.body.id }, headers: { 'idempotency-key': saleKey } });
    expect((await purchase()).status).toBe(201);
    expect((await purchase()).headers['idempotent-replayed']).toBe('true');
    expect(notificationsOf(eveSocket).map((n) => [n.notification.kind, n.notification.payload.ticket_id, n.notification.payload.price])).toEqual([
      ['ticket-received', ticket, undefined],
      ['ticket-resold', ticket, 2500],
    ]);
    expect(received.get(anaSocket)).toBeUndefined();
  });

  it('a card top-up credited, then charged back: to the fan, once each, whatever Stripe redelivers', () =>
    withStripe(async (stripe) => {
      const fan = await newFan();
      const socket = await openOffline(fan);
      const opened = await deposit(fan, 2500);
      const intent = stripe.pay(opened.body.payment.payment_intent_id);
      const credited = signed(stripeEventOf('payment_intent.succeeded', intent));
      const chargeback = signed(stripeEventOf('charge.dispute.created', disputeOf(intent, 2500)));
      for (const delivery of [credited, credited, chargeback, chargeback]) expect((await deliver(delivery)).status).toBe(200);
      expect(notificationsOf(socket).map((n) => [n.notification.kind, n.notification.payload.deposit_id])).toEqual([
        ['deposit-credited', opened.body.deposit.id],
        ['deposit-disputed', opened.body.deposit.id],
      ]);
    }));

  it("a waiting room's admission: to the fan admitted, once, when the line moves", async () => {
    const event = await newEvent(10, 1000);
    // Opened half a second ago, at a fan a second: the first in line is admitted half a second from now.
    await db()`update events set waiting_room = true, on_sale_at = now() - interval '500 milliseconds', admit_per_minute = 60 where id = ${event}`;
    const [first, second] = [await newFan(), await newFan()];
    const socket = await openOffline(first);
    const join = (fan: Fan) => invoke(queueJoin, { path: `/api/tickets/events/${event}/queue`, method: 'POST', token: fan.token, params: { id: event } });
    expect((await join(first)).body.status).toBe('waiting');
    await new Promise((r) => setTimeout(r, 1200));
    // Whoever moves the line tells those it admits; looking again tells no one twice.
    expect((await join(second)).status).toBe(200);
    expect((await join(first)).body.status).toBe('admitted');
    expect(received.get(socket)).toEqual([{ type: 'queue', event_id: event, status: 'admitted', queue: `/api/tickets/events/${event}/queue` }]);
  });

  it("low eSIM data: to the fan, once per threshold, whatever the carrier resends", async () => {
    const fan = await newFan();
    await deposit(fan, 5000);
    const { iccid } = (await invoke(activate, { path: '/api/esim/activate', token: fan.token, headers: { 'idempotency-key': key() }, body: { plan_id: 'eu-5gb-7d' } })).body;
    const socket = await openOffline(fan);
    const report = (used_mb: number, minutes: number) => {
      const rawBody = JSON.stringify({ iccid, used_mb, at: new Date(Date.now() - 3600_000 + minutes * 60_000).toISOString() });
      const signature = createHmac('sha512', process.env.ESIM_WEBHOOK_SECRET!).update(rawBody).digest('hex');
      return invoke(usageWebhook, { path: '/api/esim/webhooks/usage', rawBody, headers: { 'content-type': 'application/json', 'x-signature': signature } });
    };
    expect((await report(4000, 10)).body.notified).toEqual(['75']);
    expect((await report(4000, 10)).body.notified).toEqual([]);
    expect((await report(5000, 20)).body.notified).toEqual(['90']);
    expect(notificationsOf(socket).map((n) => [n.notification.kind, n.notification.payload.threshold_percent])).toEqual([
      ['esim-low-data', 75],
      ['esim-low-data', 90],
    ]);
  });
});
