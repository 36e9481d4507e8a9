/**
 * The interactive reference in a real browser: Debian's chromium, driven by
 * playwright-core, on `serverless offline` (as `npm run dev` serves it).
 * Every operation is listed; "Try it out" on GET /api/health answers 200;
 * a token given to "Authorize" is sent with the calls that need one. The
 * page must load without a console error (a Content-Security-Policy
 * violation is one). Leaves a screenshot in docs/api-docs.png.
 *
 * CI installs chromium when missing (.ci/run); locally, `apt-get install -y
 * chromium`, or set CHROMIUM to another Chromium binary.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lib/routes';
import { startRedisBridge, type RedisBridge } from '../../scripts/redis-bridge';
import { startOffline, type Offline } from '../support/offline';

const screenshot = fileURLToPath(new URL('../../docs/api-docs.png', import.meta.url));

let offline: Offline | undefined;
let bridge: RedisBridge | undefined;
let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // Its own in-memory Redis: rate limits are not shared with other runs (see api.e2e.test.ts).
  bridge = await startRedisBridge({ token: randomBytes(16).toString('hex') });
  [offline, browser] = await Promise.all([
    startOffline({ env: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token } }),
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] }),
  ]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('response', (response) => response.status() >= 400 && consoleErrors.push(`${response.status()} ${response.url()}`));
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await offline?.stop();
  await bridge?.close();
});

/** Swagger UI's element for an operation: `operations-<first tag>-<operationId>`. */
const operation = (operationId: string) => {
  const r = routes.find((candidate) => candidate.operationId === operationId)!;
  return page.locator(`#operations-${r.tags[0]}-${r.operationId}`);
};

/** Expands an operation, presses "Try it out", fills its parameters, runs it and returns the status it shows. */
const tryOut = async (operationId: string) => {
  const block = operation(operationId);
  await block.locator('.opblock-summary-control').click();
  await block.locator('.try-out__btn').click();
  await block.locator('.execute').click();
  return (await block.locator('.live-responses-table .response .response-col_status').first().textContent())?.trim();
};

describe('GET /api/docs in a browser', () => {
  it('lists every operation, without a console error', async () => {
    await page.goto(`${offline!.url}/api/docs`);
    await page.locator('.opblock').first().waitFor();
    const missing: string[] = [];
    for (const r of routes) if ((await operation(r.operationId).count()) !== 1) missing.push(`${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    // Swagger UI shows an operation under each of its tags: a back-office one under `admin` and its domain's.
    expect(await page.locator('.opblock').count()).toBe(routes.reduce((n, r) => n + r.tags.length, 0));
    await page.screenshot({ path: screenshot });
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('calls GET /api/health on the same origin with "Try it out": 200', async () => {
    expect(await tryOut('health')).toBe('200');
    expect(await operation('health').locator('.request-url pre').textContent()).toBe(`${offline!.url}/api/health`);
  }, 60_000);

  it('sends the token given to "Authorize": GET /api/auth/me answers 200', async () => {
    const registered = await fetch(`${offline!.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `docs.${randomBytes(5).toString('hex')}@example.test`, password: 'correct horse battery docs', name: 'Docs' }),
    });
    expect(registered.status).toBe(201);
    const { access_token: token } = (await registered.json()) as { access_token: string };
    await page.locator('.auth-wrapper .authorize').click();
    await page.locator('.modal-ux input').fill(token);
    await page.locator('.modal-ux .auth-btn-wrapper .authorize').click();
    await page.locator('.modal-ux .btn-done').click();
    expect(await tryOut('getMe')).toBe('200');
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
