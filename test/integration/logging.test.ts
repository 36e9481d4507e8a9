/**
 * Everything the logger writes while fans register, sign in, move money,
 * show and scan a ticket, the carrier reports usage and a request fails:
 * one line per request with its route, status, duration, user and request
 * id, and never a password, a token, a ticket code or a secret.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { handler as login } from '../../functions/auth/login';
import { handler as me } from '../../functions/auth/me';
import { handler as refresh } from '../../functions/auth/refresh';
import { handler as activate } from '../../functions/esim/activate';
import { handler as plans } from '../../functions/esim/plans-list';
import { handler as usageWebhook } from '../../functions/esim/webhook-usage';
import { handler as ticketCode } from '../../functions/tickets/code';
import * as users from '../../lib/auth/users';
import { logger } from '../../lib/log';
import { newFan } from '../support/fans';
import { invoke, randomIp } from '../support/http';
import { signed, stripeEventOf, withStripe } from '../support/stripe';
import { buy, newEvent, scan, steward } from '../support/tickets';
import { deliver, deposit, key, send } from '../support/wallet';

const lines: string[] = [];

beforeAll(() => {
  logger.setLogLevel('DEBUG');
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
});

afterAll(() => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

it('logs each request once, with its facts and none of its secrets', async () => {
  const secrets: string[] = [];
  const fan = await newFan();
  const other = await newFan();
  secrets.push(fan.password, fan.token, fan.refresh, other.token, other.refresh);

  const signedIn = await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password }, ip: randomIp() });
  expect(signedIn.status).toBe(200);
  const wrongPassword = 'not the right password at all';
  expect((await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: wrongPassword }, ip: randomIp() })).status).toBe(401);
  const renewed = await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: signedIn.body.refresh_token }, ip: randomIp() });
  expect(renewed.status).toBe(200);
  secrets.push(wrongPassword, signedIn.body.access_token, signedIn.body.refresh_token, renewed.body.access_token, renewed.body.refresh_token);

  expect((await deposit(fan, 20_000)).status).toBe(201);
  expect((await send(fan, other.id, 500)).status).toBe(201);

  const event = await newEvent(5, 1000);
  const bought = await buy(fan, event);
  expect(bought.status).toBe(201);
  const ticket = bought.body.tickets[0].id;
  const { code } = (await invoke(ticketCode, { path: `/api/tickets/${ticket}/qr`, token: fan.token, params: { id: ticket } })).body;
  const gate = await steward('OGC_NICE');
  expect((await scan(gate.token, code, event)).body.result).toBe('admitted');
  secrets.push(code, gate.token);

  const plan = (await invoke(plans, { path: '/api/esim/plans' })).body.items[0].id;
  const esim = await invoke(activate, { path: '/api/esim/activate', token: fan.token, headers: { 'idempotency-key': key() }, body: { plan_id: plan } });
  expect(esim.status).toBe(201);
  const rawBody = JSON.stringify({ iccid: esim.body.iccid, used_mb: 10, at: new Date().toISOString() });
  const signature = createHmac('sha512', process.env.ESIM_WEBHOOK_SECRET!).update(rawBody).digest('hex');
  const reported = await invoke(usageWebhook, { path: '/api/esim/webhooks/usage', rawBody, headers: { 'content-type': 'application/json', 'x-signature': signature } });
  expect(reported.status).toBeLessThan(300);
  secrets.push(signature);

  vi.spyOn(users, 'getMe').mockRejectedValueOnce(new Error('connection to the database lost'));
  const failed = await invoke(me, { path: '/api/auth/me', token: fan.token });
  expect(failed.status).toBe(500);

  secrets.push(process.env.ESIM_WEBHOOK_SECRET!, process.env.JWT_SECRET!, process.env.TICKET_SIGNING_KEY!);
  const databasePassword = new URL(process.env.DATABASE_URL!).password;
  if (databasePassword) secrets.push(databasePassword);
  const logged = lines.join('');
  for (const secret of secrets) expect(logged, 'a secret was logged').not.toContain(secret);
  expect(logged).not.toMatch(/bearer /i);

  const requests = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"message":"request"')).map((l) => JSON.parse(l));
  const line = (route: string) => requests.find((r) => r.route === route);
  expect(line('deposit')).toMatchObject({ status: 201, user_id: fan.id, request_id: expect.any(String), duration_ms: expect.any(Number) });
  expect(line('getMe')).toMatchObject({ status: 500, user_id: fan.id, request_id: failed.body.request_id });
  expect(line('login')).toMatchObject({ status: 200, request_id: expect.any(String) });
  expect(line('login').user_id).toBeUndefined();
});

it("logs a card top-up and Stripe's events without the client secret, the signature or Stripe's keys", () =>
  withStripe(async (stripe) => {
    const fan = await newFan();
    const opened = await deposit(fan, 3000);
    expect(opened.status).toBe(202);
    const delivery = signed(stripeEventOf('payment_intent.succeeded', stripe.pay(opened.body.payment.payment_intent_id)));
    expect((await deliver(delivery)).body.outcome).toBe('credited');
    const ignored = signed(stripeEventOf('customer.created', { id: 'cus_1', object: 'customer' }));
    expect((await deliver(ignored)).body.outcome).toBe('ignored');
    expect((await deliver({ ...ignored, signature: 'garbage' })).status).toBe(400);

    const logged = lines.join('');
    for (const secret of [opened.body.payment.client_secret, delivery.signature, ignored.signature, process.env.STRIPE_SECRET_KEY!, process.env.STRIPE_WEBHOOK_SECRET!]) {
      expect(logged, 'a secret was logged').not.toContain(secret);
    }
    const requests = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"message":"request"')).map((l) => JSON.parse(l));
    expect(requests.filter((r) => r.route === 'stripeWebhook').map((r) => r.status)).toEqual([200, 200, 400]);
    expect(logged).toContain('"message":"payment event ignored"');
  }));
