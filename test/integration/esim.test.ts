/**
 * Travel eSIMs through their handlers: plans, activation paid from the
 * wallet, the active eSIM and its usage, top-ups, and the carrier's signed
 * usage reports with their low-data notifications.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as activateHandler } from '../../functions/esim/activate';
import { handler as activeGet } from '../../functions/esim/active-get';
import { handler as activeUsage } from '../../functions/esim/active-usage';
import { handler as listPlans } from '../../functions/esim/plans-list';
import { handler as topUpHandler } from '../../functions/esim/top-up';
import { handler as usageWebhook } from '../../functions/esim/webhook-usage';
import { handler as notifications } from '../../functions/notifications/list';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { balanceOf, deposit, key } from '../support/wallet';

const activate = (fan: Fan, plan_id: string, idempotencyKey = key()) =>
  invoke(activateHandler, { path: '/api/esim/activate', token: fan.token, headers: { 'idempotency-key': idempotencyKey }, body: { plan_id } });
const topUp = (fan: Fan, plan_id: string, idempotencyKey = key()) =>
  invoke(topUpHandler, { path: '/api/esim/active/top-up', token: fan.token, headers: { 'idempotency-key': idempotencyKey }, body: { plan_id } });
const usage = (fan: Fan) => invoke(activeUsage, { path: '/api/esim/active/usage', token: fan.token });

/** A usage report as the carrier sends it: the body's bytes signed with the shared secret. */
const report = (body: { iccid: string; used_mb: number; at: string }, secret = process.env.ESIM_WEBHOOK_SECRET!, signature?: string) => {
  const rawBody = JSON.stringify(body);
  const signed = signature ?? createHmac('sha512', secret).update(rawBody).digest('hex');
  return invoke(usageWebhook, { path: '/api/esim/webhooks/usage', rawBody, headers: { 'content-type': 'application/json', 'x-signature': signed } });
};

const luhnValid = (digits: string) =>
  [...digits].reverse().reduce((sum, c, i) => {
    const d = Number(c) * (i % 2 ? 2 : 1);
    return sum + (d > 9 ? d - 9 : d);
  }, 0) % 10 === 0;

describe('plans', () => {
  it('lists every plan, or those of a region or covering a country', async () => {
    const all = await invoke(listPlans, { path: '/api/esim/plans' });
    expect(all.body.items.length).toBeGreaterThanOrEqual(4);
    expect(all.body.items[0]).toMatchObject({ id: expect.any(String), data_mb: expect.any(Number), duration_days: expect.any(Number), countries: expect.any(Array), currency: 'EUR' });
    const europe = await invoke(listPlans, { path: '/api/esim/plans', query: { region: 'europe' } });
    expect(europe.body.items.map((p: { region: string }) => p.region)).toEqual(europe.body.items.map(() => 'Europe'));
    const uk = await invoke(listPlans, { path: '/api/esim/plans', query: { country: 'gb' } });
    expect(uk.body.items.map((p: { id: string }) => p.id)).toEqual(['uk-10gb-15d']);
    expect((await invoke(listPlans, { path: '/api/esim/plans', query: { country: 'Great Britain' } })).status).toBe(400);
  });
});

describe('activation', () => {
  it('pays from the wallet and hands over the eSIM: ICCID, LPA code and its QR; a replay is the same eSIM', async () => {
    const fan = await newFan();
    expect((await invoke(activeGet, { path: '/api/esim/active', token: fan.token })).status).toBe(404);
    expect((await usage(fan)).body).toEqual({ total_mb: 0, used_mb: 0, remaining_mb: 0, percent_used: 0, status: 'NOT_ACTIVE' });
    await deposit(fan, 5000);
    const k = key();
    const first = await activate(fan, 'eu-5gb-7d', k);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'ACTIVE', data_total_mb: 5120, data_used_mb: 0, plan: { id: 'eu-5gb-7d', price: 999 } });
    expect(first.body.iccid).toMatch(/^8933\d{15}$/);
    expect(luhnValid(first.body.iccid)).toBe(true);
    expect(first.body.activation_code).toMatch(/^LPA:1\$[a-z0-9.-]+\$[0-9A-F]{24}$/);
    expect(first.body.qr_code).toMatch(/^<svg[^>]*viewBox/);
    expect(new Date(first.body.expires_at).getTime() - new Date(first.body.activated_at).getTime()).toBe(7 * 24 * 3600 * 1000);
    const again = await activate(fan, 'eu-5gb-7d', k);
    expect(again.raw).toBe(first.raw);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await balanceOf(fan)).toBe(5000 - 999);
    expect((await invoke(activeGet, { path: '/api/esim/active', token: fan.token })).body.iccid).toBe(first.body.iccid);
    const twice = await activate(fan, 'uk-10gb-15d');
    expect(twice.status).toBe(409);
    expect(twice.body.type).toBe('/problems/esim-active');
    expect(twice.body.detail).toContain('top-up');
  });

  it('refuses an unknown plan and a short wallet, leaving nothing behind', async () => {
    const fan = await newFan();
    expect((await activate(fan, 'moon-1gb-1d')).status).toBe(404);
    const poor = await activate(fan, 'eu-5gb-7d');
    expect(poor.status).toBe(422);
    expect(poor.body.type).toBe('/problems/insufficient-funds');
    expect((await usage(fan)).body.status).toBe('NOT_ACTIVE');
  });
});

describe('top-up', () => {
  it("adds the plan's data and days to the same eSIM, paid from the wallet", async () => {
    const fan = await newFan();
    await deposit(fan, 10_000);
    expect((await topUp(fan, 'eu-5gb-7d')).status).toBe(404);
    const esim = (await activate(fan, 'eu-5gb-7d')).body;
    const topped = await topUp(fan, 'eu-20gb-30d');
    expect(topped.status).toBe(200);
    expect(topped.body).toMatchObject({ iccid: esim.iccid, data_total_mb: 5120 + 20480, status: 'ACTIVE' });
    expect(new Date(topped.body.expires_at).getTime() - new Date(esim.expires_at).getTime()).toBe(30 * 24 * 3600 * 1000);
    expect(await balanceOf(fan)).toBe(10_000 - 999 - 2499);
    expect((await usage(fan)).body.total_mb).toBe(25600);
  });
});

describe("the carrier's usage reports", () => {
  it('are applied only when signed, never lower usage, ignore older ones, and notify 75 % and 90 % once each', async () => {
    const fan = await newFan();
    await deposit(fan, 5000);
    const { iccid } = (await activate(fan, 'eu-5gb-7d')).body;
    const start = Date.now() - 3600_000;
    const t = (minutes: number) => new Date(start + minutes * 60_000).toISOString();

    expect((await report({ iccid, used_mb: 100, at: t(0) }, 'not the secret')).status).toBe(401);
    expect((await report({ iccid, used_mb: 100, at: t(0) }, undefined, '')).status).toBe(401);
    expect((await usage(fan)).body.used_mb).toBe(0);

    expect((await report({ iccid, used_mb: 4000, at: t(10) })).body).toEqual({ applied: true, notified: ['75'] });
    expect((await usage(fan)).body).toMatchObject({ used_mb: 4000, remaining_mb: 1120, percent_used: 78.1, status: 'ACTIVE' });
    // The same report again, and an older one, change nothing.
    expect((await report({ iccid, used_mb: 4000, at: t(10) })).body).toEqual({ applied: false, notified: [] });
    expect((await report({ iccid, used_mb: 10, at: t(5) })).body.applied).toBe(false);
    // A newer report can never lower the usage.
    expect((await report({ iccid, used_mb: 3000, at: t(20) })).body.applied).toBe(true);
    expect((await usage(fan)).body.used_mb).toBe(4000);
    expect((await report({ iccid, used_mb: 4700, at: t(30) })).body.notified).toEqual(['90']);
    expect((await report({ iccid, used_mb: 5000, at: t(40) })).body.notified).toEqual([]);
    const listed = await invoke(notifications, { path: '/api/notifications', token: fan.token });
    expect(listed.body.items.map((n: { kind: string; payload: { threshold_percent: number } }) => [n.kind, n.payload.threshold_percent])).toEqual([
      ['esim-low-data', 90],
      ['esim-low-data', 75],
    ]);

    expect((await report({ iccid, used_mb: 9999, at: t(50) })).status).toBe(200);
    expect((await usage(fan)).body).toMatchObject({ used_mb: 5120, remaining_mb: 0, percent_used: 100, status: 'FINISHED' });
    // Its data used up, the eSIM can be replaced by a new activation.
    const renewed = await activate(fan, 'eu-5gb-7d');
    expect(renewed.status).toBe(201);
    expect(renewed.body.iccid).not.toBe(iccid);

    expect((await report({ iccid: '8933000000000000000', used_mb: 1, at: t(60) })).status).toBe(404);
    // A report from before 2000 or from after tomorrow is no report.
    expect((await report({ iccid, used_mb: 1, at: '0001-01-01T00:00:00Z' })).status).toBe(400);
    expect((await report({ iccid, used_mb: 1, at: new Date(Date.now() + 3 * 86_400_000).toISOString() })).status).toBe(400);
  });

  it('keep each fan to their own eSIM and notifications', async () => {
    const [ana, eve] = [await newFan(), await newFan()];
    await deposit(ana, 5000);
    await activate(ana, 'eu-5gb-7d');
    expect((await invoke(activeGet, { path: '/api/esim/active', token: eve.token })).status).toBe(404);
    expect((await invoke(notifications, { path: '/api/notifications', token: eve.token })).body.items).toEqual([]);
  });
});
