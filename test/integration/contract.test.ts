/**
 * The OpenAPI document as the contract of the HTTP API:
 * - serverless.yml routes exactly the documented operations (its catch-all
 *   `httpApi: '*'` aside; WebSocket and scheduled functions are not HTTP
 *   operations);
 * - each operation documents its security (`[]` when public), its request
 *   (path parameters, query, body, Idempotency-Key) and the problems it may
 *   answer, as problem+json;
 * - the document passes `redocly lint` with the recommended rules;
 * - answers conform to it: test/support/http.ts `invoke`, which every
 *   in-process test calls, checks each answer against the document (status,
 *   content type, body schema) and throws where it does not conform. The
 *   hostile-inputs test drives every operation through it; here, that check
 *   itself is checked, and the reference page and its assets are fetched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { handler as docsAsset } from '../../functions/docs/asset';
import { handler as docs } from '../../functions/docs/page';
import { docsAssetNames } from '../../lib/openapi/docs';
import { routes } from '../../lib/routes';
import { expectEnvelope } from '../support/assertions';
import { document, operationOf, operations, violations } from '../support/contract';
import { invoke } from '../support/http';

const root = fileURLToPath(new URL('../../', import.meta.url));

type Event = { httpApi?: string | { method: string; path: string }; websocket?: unknown; schedule?: unknown };
const functions = (parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as { functions: Record<string, { events?: Event[] }> }).functions;

type Parameter = { in: string; name: string; required?: boolean };
type Operation = (typeof operations)[number]['operation'] & { security?: unknown[]; parameters?: Parameter[]; requestBody?: { content: Record<string, unknown> } };

describe('serverless.yml and the document', () => {
  const routed = Object.entries(functions).flatMap(([name, fn]) =>
    (fn.events ?? []).flatMap((e) => {
      // The catch-all answers 404 for what is not an operation.
      if (e.httpApi === undefined || e.httpApi === '*') return [];
      const [method, path] = typeof e.httpApi === 'string' ? (e.httpApi.trim().split(/\s+/) as [string, string]) : [e.httpApi.method, e.httpApi.path];
      return [{ name, endpoint: `${method.toUpperCase()} ${path}` }];
    }),
  );

  it('documents an operation for every HTTP route, and routes every documented operation', () => {
    const documented = operations.map((o) => `${o.method} ${o.path}`);
    expect(routed.filter((r) => !documented.includes(r.endpoint)).map((r) => `${r.name}: ${r.endpoint}`), 'routed, undocumented').toEqual([]);
    expect(documented.filter((d) => !routed.some((r) => r.endpoint === d)), 'documented, not routed').toEqual([]);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: documents its auth, parameters, body and problems', (_, r) => {
    const op = document.paths![r.path]![r.method.toLowerCase() as 'get'] as Operation;
    const needsToken = r.auth === 'required' || r.idempotent === true;
    expect(op.security).toEqual(needsToken ? [{ bearer: [] }] : r.auth === 'optional' || r.auth === 'lenient' ? [{ bearer: [] }, {}] : []);
    const parameters = op.parameters ?? [];
    for (const [, name] of r.path.matchAll(/\{(\w+)\}/g)) expect(parameters, `path parameter ${name}`).toContainEqual(expect.objectContaining({ in: 'path', name, required: true }));
    const key = parameters.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
    expect(key?.required ?? false, 'Idempotency-Key required').toBe(r.idempotent === true);
    expect(Object.keys(op.requestBody?.content ?? {})).toEqual(r.body ? ['application/json'] : []);
    const statuses = Object.keys(op.responses);
    expect(statuses.some((s) => s.startsWith('2')), 'a success').toBe(true);
    expect(statuses).toEqual(expect.arrayContaining(['400', '429', '500', '503', ...(needsToken ? ['401'] : [])]));
    for (const status of statuses.filter((s) => Number(s) >= 400)) {
      const content = Object.keys(op.responses[status]!.content ?? {});
      // A route may answer its own error body (health's 503 is its report); else a problem.
      if (!r.responses[Number(status)]?.schema) expect(content, `${status} is problem+json`).toEqual(['application/problem+json']);
    }
  });
});

describe('redocly lint', () => {
  it('passes the recommended rules with neither error nor warning', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcf-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      const cli = join(root, 'node_modules/.bin/redocly');
      const lint = await promisify(execFile)(cli, ['lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'json'], {
        cwd: dir,
        // No usage telemetry, no update check: the run stays offline.
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''}` }));
      const report = JSON.parse(lint.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message} (${p.location[0]?.pointer})`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('answers against the document', () => {
  const health = { status: 'healthy', services: { postgres: 'operational', redis: 'operational' }, version: '3.0.0' };
  const answer = (change: Partial<Parameters<typeof violations>[0]>) =>
    violations({ method: 'GET', path: '/api/health', status: 200, contentType: 'application/json', body: health, ...change });

  it('accepts a conforming answer, and tells what is wrong with one that is not', () => {
    expect(answer({})).toEqual([]);
    expect(answer({ status: 418 })).toEqual([expect.stringContaining('status 418 is not among the documented ones')]);
    expect(answer({ contentType: 'text/plain' })).toEqual([expect.stringContaining('content-type text/plain')]);
    expect(answer({ body: { ...health, status: 'fine' } })).toEqual([expect.stringContaining('body/status must be equal to one of the allowed values')]);
    expect(answer({ body: { ...health, secret: 1 } })).toEqual([expect.stringContaining('must NOT have additional properties')]);
    expect(answer({ status: 429, contentType: 'application/problem+json', body: { title: 'Too Many Requests' } })).not.toEqual([]);
  });

  it('finds the operation of a concrete path, the most literal template first', () => {
    expect(operationOf('GET', '/api/tickets/events/asm-psg')?.path).toBe('/api/tickets/events/{id}');
    expect(operationOf('GET', '/api/tickets/resale')?.path).toBe('/api/tickets/resale');
    expect(operationOf('GET', '/api/no/such/thing')).toBeUndefined();
  });

  it('is held by invoke: a test that receives a non-conforming answer fails', async () => {
    const lying = async () => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ status: 'fine' }) });
    await expect(invoke(lying, { path: '/api/health' })).rejects.toThrow(/does not allow/);
  });
});

describe('GET /api/docs', () => {
  it('serves the reference page, allowed to load its own scripts and styles and to call this origin only', async () => {
    const res = await invoke(docs, { path: '/api/docs' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expectEnvelope(res);
    const policy = res.headers['content-security-policy'];
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toMatch(/sandbox|unsafe-eval|https?:/);
    // Relative URLs only (and an empty icon, so that the browser asks for no /favicon.ico): nothing from a CDN.
    const urls = [...res.raw.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.sort()).toEqual(['data:,', 'docs/docs.js', 'docs/swagger-ui-bundle.js', 'docs/swagger-ui.css']);
  });

  it.each(docsAssetNames.map((name) => [name]))('serves %s from the npm package or its own initializer', async (asset) => {
    const res = await invoke(docsAsset, { path: `/api/docs/${asset}`, params: { asset } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(`${asset.endsWith('.css') ? 'text/css' : 'text/javascript'}; charset=utf-8`);
    expect(res.raw.length).toBeGreaterThan(100);
    // Well under the 6 MB a Lambda response may be.
    expect(Buffer.byteLength(res.raw)).toBeLessThan(4 * 1024 * 1024);
  });

  it('serves nothing else under /api/docs/', async () => {
    const res = await invoke(docsAsset, { path: '/api/docs/package.json', params: { asset: 'package.json' } });
    expect(res.status).toBe(404);
  });
});
