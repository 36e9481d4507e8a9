/**
 * End to end: the real `serverless offline start` (serverless-esbuild bundles,
 * serverless-offline's HTTP API emulation, Lambda worker threads) on free
 * ports, driven over HTTP with fetch.
 *
 * The child gets the run's database from global-setup but its own Redis: a
 * REST bridge over an in-memory Redis started here. Every request reaches
 * serverless-offline from 127.0.0.1, and the per-IP register limit would
 * otherwise be shared with earlier runs and with `npm run dev` on the same
 * Redis.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startRedisBridge, type RedisBridge } from '../../scripts/redis-bridge';
import { startOffline, type Offline } from '../support/offline';

let offline: Offline | undefined;
let bridge: RedisBridge | undefined;
const requestIds: string[] = [];

beforeAll(async () => {
  const startedAt = Date.now();
  bridge = await startRedisBridge({ token: randomBytes(16).toString('hex') }); // no redisUrl: in memory
  offline = await startOffline({
    env: {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      // DATABASE_URL, JWT_SECRET and BCRYPT_COST come from global-setup through process.env.
      LOG_LEVEL: 'INFO',
    },
    startTimeoutMs: 90_000,
  });
  console.log(`serverless offline answered on ${offline.url} after ${Date.now() - startedAt} ms`);
}, 120_000);

afterAll(async () => {
  await offline?.stop();
  await bridge?.close();
});

type Reply = { status: number; headers: Headers; body: any };

const call = async (
  method: string,
  path: string,
  options: { body?: unknown; token?: string; key?: string; headers?: Record<string, string> } = {},
): Promise<Reply> => {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['idempotency-key'] = options.key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${offline!.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  const requestId = res.headers.get('x-request-id');
  expect(requestId, `${method} ${path} carries X-Request-Id`).toBeTruthy();
  requestIds.push(requestId!);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
};

const email = `e2e.${randomBytes(5).toString('hex')}@example.test`;
const password = 'correct horse battery e2e';

/** A new fan, registered. */
const fan = async (name: string) => {
  const res = await call('POST', '/api/auth/register', {
    body: { email: `e2e.${randomBytes(5).toString('hex')}@example.test`, password, name },
  });
  expect(res.status).toBe(201);
  return { id: res.body.user.id as string, token: res.body.access_token as string };
};

describe('the API over serverless offline', () => {
  // The server's own log makes a failure here readable.
  const dumpOnFailure = () => onTestFailed(() => console.error(`--- serverless offline output ---\n${offline?.output()}`));

  it('is healthy', async () => {
    dumpOnFailure();
    const res = await call('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'healthy', services: { postgres: 'operational', redis: 'operational' } });
  });

  it('registers, logs in, rotates the refresh token, refuses its reuse and logs out', async () => {
    dumpOnFailure();
    const registered = await call('POST', '/api/auth/register', { body: { email, password, name: 'E2E Fan' } });
    expect(registered.status).toBe(201);
    expect(registered.body.user.email).toBe(email);

    const login = await call('POST', '/api/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ token_type: 'Bearer', user: { email } });

    const me = await call('GET', '/api/auth/me', { token: login.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);

    const refreshed = await call('POST', '/api/auth/refresh', { body: { refresh_token: login.body.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toEqual(expect.any(String));
    expect(refreshed.body.refresh_token).not.toBe(login.body.refresh_token);
    expect((await call('GET', '/api/auth/me', { token: refreshed.body.access_token })).status).toBe(200);

    const reused = await call('POST', '/api/auth/refresh', { body: { refresh_token: login.body.refresh_token } });
    expect(reused.status).toBe(401);

    const logout = await call('POST', '/api/auth/logout', { body: { refresh_token: refreshed.body.refresh_token } });
    expect(logout.status).toBe(204);
    const afterLogout = await call('POST', '/api/auth/refresh', { body: { refresh_token: refreshed.body.refresh_token } });
    expect(afterLogout.status).toBe(401);
  });

  // Above, the reuse had already revoked the whole family, so the last 401
  // does not prove logout works: a fresh session shows it on its own.
  it('logout alone ends a session', async () => {
    dumpOnFailure();
    const login = await call('POST', '/api/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    expect((await call('POST', '/api/auth/logout', { body: { refresh_token: login.body.refresh_token } })).status).toBe(204);
    expect((await call('POST', '/api/auth/refresh', { body: { refresh_token: login.body.refresh_token } })).status).toBe(401);
  });

  it('answers errors as application/problem+json', async () => {
    dumpOnFailure();
    const res = await call('POST', '/api/auth/register', {
      body: { email: `e2e.${randomBytes(5).toString('hex')}@example.test`, password: 'test123', name: 'Weak' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, errors: [{ path: 'body.password', message: expect.stringContaining('at least 8') }] });
  });

  it('buys a jersey and a travel eSIM from the wallet, and takes the carrier\'s signed usage report', async () => {
    dumpOnFailure();
    const registered = await call('POST', '/api/auth/register', {
      body: { email: `e2e.${randomBytes(5).toString('hex')}@example.test`, password, name: 'E2E Shopper', club_id: 'AS_MONACO' },
    });
    const token = registered.body.access_token as string;
    expect((await call('POST', '/api/wallet/deposit', { token, key: randomUUID(), body: { amount: 20_000, method: 'card' } })).status).toBe(201);

    const jerseys = await call('GET', '/api/shop/products?club=AS_MONACO&category=jerseys');
    expect(jerseys.body.items.map((p: { id: string }) => p.id)).toContain('asm-home-2026');
    expect((await call('POST', '/api/shop/cart', { token, body: { product_id: 'asm-home-2026' } })).status).toBe(200);
    const order = await call('POST', '/api/shop/checkout', { token, key: randomUUID() });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ status: 'paid', total: 8999, items: [{ product_id: 'asm-home-2026', quantity: 1 }] });

    const esim = await call('POST', '/api/esim/activate', { token, key: randomUUID(), body: { plan_id: 'eu-5gb-7d' } });
    expect(esim.status).toBe(201);
    expect(esim.body.qr_code).toMatch(/^<svg/);
    const usage = { iccid: esim.body.iccid, used_mb: 4000, at: new Date().toISOString() };
    const signature = createHmac('sha512', process.env.ESIM_WEBHOOK_SECRET!).update(JSON.stringify(usage)).digest('hex');
    const reported = await call('POST', '/api/esim/webhooks/usage', { body: usage, headers: { 'x-signature': signature } });
    expect(reported.body).toEqual({ applied: true, notified: ['75'] });
    expect((await call('GET', '/api/esim/active/usage', { token })).body).toMatchObject({ used_mb: 4000, status: 'ACTIVE' });
    expect((await call('GET', '/api/wallet/balance', { token })).body.balance).toBe(20_000 - 8999 - 999);
  });

  it('answers an unknown path with a 404 problem, not the gateway default', async () => {
    dumpOnFailure();
    const res = await call('GET', '/api/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.detail).toContain('GET /api/no/such/thing');
  });

  it('moves money between two fans: deposit, payment replayed by its key, request paid', async () => {
    dumpOnFailure();
    const [ana, bob] = [await fan('Ana'), await fan('Bob')];
    expect((await call('POST', '/api/wallet/deposit', { token: ana.token, key: 'dep-1', body: { amount: 5000, method: 'card' } })).status).toBe(201);
    const pay = () => call('POST', '/api/wallet/transfers', { token: ana.token, key: 'pay-1', body: { to: bob.id, amount: 1200, note: 'away game' } });
    const first = await pay();
    const again = await pay();
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const request = await call('POST', '/api/wallet/requests', { token: bob.token, body: { from: ana.id, amount: 300 } });
    expect(request.status).toBe(201);
    const paid = await call('POST', `/api/wallet/requests/${request.body.id}/pay`, { token: ana.token, key: 'req-1' });
    expect(paid.body.status).toBe('paid');
    expect((await call('GET', '/api/wallet/balance', { token: ana.token })).body.balance).toBe(3500);
    const statement = await call('GET', '/api/wallet/transactions?limit=2', { token: bob.token });
    expect(statement.body.items.map((e: { type: string }) => e.type)).toEqual(['request_received', 'receive']);
  });

  it('sells a match ticket, resells it at face value to another fan, and admits only the new holder at the gate', async () => {
    dumpOnFailure();
    const [ana, bob] = [await fan('Ana Seller'), await fan('Bob Buyer')];
    for (const { token } of [ana, bob]) {
      expect((await call('POST', '/api/wallet/deposit', { token, key: randomUUID(), body: { amount: 10_000, method: 'card' } })).status).toBe(201);
    }
    const event_id = 'asm-psg';
    const bought = await call('POST', '/api/tickets/purchase', { token: ana.token, key: randomUUID(), body: { event_id, category: 'tribune_nord', quantity: 2 } });
    expect(bought.status).toBe(201);
    const [ticket, spare] = bought.body.tickets as { id: string; price: number }[];
    const anasCode = (await call('GET', `/api/tickets/${ticket!.id}/qr`, { token: ana.token })).body.code as string;

    const offer = await call('POST', `/api/tickets/${ticket!.id}/resale`, { token: ana.token, body: { price: ticket!.price } });
    expect(offer.status).toBe(201);
    const open = await call('GET', `/api/tickets/resale?event_id=${event_id}&limit=100`);
    expect(open.body.items.map((o: { id: string }) => o.id)).toContain(offer.body.id);
    const resold = await call('POST', `/api/tickets/resale/${offer.body.id}/buy`, { token: bob.token, key: randomUUID() });
    expect(resold.status).toBe(201);
    expect((await call('GET', `/api/tickets/${ticket!.id}`, { token: bob.token })).body.history.map((h: { kind: string }) => h.kind)).toEqual(['purchase', 'resale']);
    expect((await call('GET', '/api/wallet/balance', { token: ana.token })).body.balance).toBe(10_000 - ticket!.price);

    // The spare is listed and withdrawn, then given to Bob.
    const spareOffer = await call('POST', `/api/tickets/${spare!.id}/resale`, { token: ana.token, body: { price: 100 } });
    expect((await call('DELETE', `/api/tickets/resale/${spareOffer.body.id}`, { token: ana.token })).body.status).toBe('withdrawn');
    expect((await call('POST', `/api/tickets/${spare!.id}/transfer`, { token: ana.token, key: randomUUID(), body: { to: bob.id } })).status).toBe(200);

    const steward = await call('POST', '/api/auth/login', { body: { email: 'steward.as_monaco@paiecashfan.test', password: 'steward demo pass' } });
    const gate = (code: string) => call('POST', '/api/tickets/checkin', { token: steward.body.access_token, body: { code, event_id } });
    expect((await gate(anasCode)).body).toEqual({ result: 'refused', reason: 'transferred' });
    const bobsCode = (await call('GET', `/api/tickets/${ticket!.id}/qr`, { token: bob.token })).body.code as string;
    expect((await gate(bobsCode)).body).toMatchObject({ result: 'admitted', holder: { id: bob.id } });
    expect((await gate(bobsCode)).body).toMatchObject({ result: 'refused', reason: 'already_checked_in' });
  });

  it("runs a club's back office from the demo data: a match sold through its waiting room, postponed and cancelled with its buyer refunded, an order shipped, a report cleared", async () => {
    dumpOnFailure();
    const login = await call('POST', '/api/auth/login', { body: { email: 'admin.ol@paiecashfan.test', password: 'admin demo pass' } });
    expect(login.status).toBe(200);
    const admin = login.body.access_token as string;
    const registered = await call('POST', '/api/auth/register', {
      body: { email: `e2e.${randomBytes(5).toString('hex')}@example.test`, password, name: 'E2E Gone', club_id: 'OL' },
    });
    const buyer = { id: registered.body.user.id as string, token: registered.body.access_token as string };
    expect((await call('POST', '/api/wallet/deposit', { token: buyer.token, key: randomUUID(), body: { amount: 20_000, method: 'card' } })).status).toBe(201);

    const kickOff = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const created = await call('POST', '/api/admin/events', {
      token: admin, key: randomUUID(),
      body: {
        club: 'OL', title: `OL vs E2E ${randomBytes(3).toString('hex')}`, date: kickOff, venue: 'Groupama Stadium', country: 'FR', competition: 'Ligue 1',
        hot: true, vip: false, on_sale_at: null, waiting_room: true, max_per_fan: 4, categories: [{ category: 'virage_nord', price: 3000, capacity: 100 }],
      },
    });
    expect(created.status).toBe(201);
    const match = created.body.id as string;
    expect((await call('GET', '/api/tickets/events?club=OL&limit=100')).body.items.map((e: { id: string }) => e.id)).toContain(match);
    const joined = await call('POST', `/api/tickets/events/${match}/queue`, { token: buyer.token });
    expect(joined.body.status).toBe('admitted');
    const bought = await call('POST', '/api/tickets/purchase', {
      token: buyer.token, key: randomUUID(), body: { event_id: match, category: 'virage_nord', quantity: 2, pass: joined.body.pass },
    });
    expect(bought.status).toBe(201);
    const later = new Date(Date.now() + 37 * 86_400_000).toISOString();
    expect((await call('PATCH', `/api/admin/events/${match}`, { token: admin, body: { date: later } })).body).toMatchObject({ date: later, sold: 2 });
    const canceled = await call('POST', `/api/admin/events/${match}/cancel`, { token: admin, key: randomUUID() });
    expect(canceled.status).toBe(202);
    expect(canceled.body).toMatchObject({ status: 'done', tickets: 2, refunded: 2, amount_refunded: 6000 });
    const told = (await call('GET', '/api/notifications', { token: buyer.token })).body.items.map((n: { kind: string }) => n.kind);
    expect(told).toEqual(expect.arrayContaining(['event-rescheduled', 'event-canceled']));

    const product = await call('POST', '/api/admin/products', {
      token: admin, key: randomUUID(), body: { club: 'OL', name: 'Écharpe E2E', category: 'accessories', price: 2000, nft: false, stock: 5 },
    });
    expect(product.status).toBe(201);
    await call('POST', '/api/shop/cart', { token: buyer.token, body: { product_id: product.body.id } });
    const order = await call('POST', '/api/shop/checkout', { token: buyer.token, key: randomUUID() });
    expect(order.status).toBe(201);
    expect((await call('POST', `/api/admin/orders/${order.body.id}/ship`, { token: admin })).body.status).toBe('shipped');
    expect((await call('POST', `/api/admin/orders/${order.body.id}/ship`, { token: admin })).status).toBe(409);
    expect((await call('GET', '/api/wallet/balance', { token: buyer.token })).body.balance).toBe(20_000 - 2000);

    const post = await call('POST', '/api/social/posts', { token: buyer.token, body: { text: 'Spam spam spam' } });
    const reporter = await fan('E2E Reporter');
    await call('PATCH', '/api/users/me', { token: reporter.token, body: { club_id: 'OL' } });
    expect((await call('POST', `/api/social/posts/${post.body.id}/report`, { token: reporter.token, body: { reason: 'spam' } })).status).toBe(201);
    const queue = await call('GET', '/api/admin/reports', { token: admin });
    const report = queue.body.items.find((r: { item: { id: string } }) => r.item.id === post.body.id);
    expect((await call('POST', `/api/admin/reports/${report.id}/resolve`, { token: admin, body: { action: 'remove' } })).body.removed).toBe(true);
    const feed = await call('GET', '/api/social/feed', { token: reporter.token });
    expect(feed.body.items.map((i: { id: string }) => i.id)).not.toContain(post.body.id);

    const trail = await call('GET', '/api/admin/audit?club=OL&limit=6', { token: admin });
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual(['report.remove', 'order.ship', 'product.create', 'event.cancel', 'event.update', 'event.create']);
    // Another club's admin sees none of it.
    const other = await call('POST', '/api/auth/login', { body: { email: 'admin.psg@paiecashfan.test', password: 'admin demo pass' } });
    expect((await call('GET', `/api/admin/events/${match}`, { token: other.body.access_token })).status).toBe(404);
  });

  // call() has checked each response carries one; here, that no two share it.
  it('gives every response its own X-Request-Id', async () => {
    await call('GET', '/api/health');
    await call('GET', '/api/health');
    expect(new Set(requestIds).size).toBe(requestIds.length);
  });
});
