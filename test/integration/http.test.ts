import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { handler as login } from '../../functions/auth/login';
import { handler as logout } from '../../functions/auth/logout';
import { handler as me } from '../../functions/auth/me';
import { handler as notFound } from '../../functions/http/not-found';
import { handler as register } from '../../functions/auth/register';
import { handler as openapi } from '../../functions/docs/openapi';
import { handler as health } from '../../functions/health/get';
import { AUDIENCE, ISSUER } from '../../lib/auth/tokens';
import * as users from '../../lib/auth/users';
import { GIVE_UP_BEFORE_TIMEOUT_MS } from '../../lib/http/problems';
import { logger } from '../../lib/log';
import { routes } from '../../lib/routes';
import { expectEnvelope, expectProblem } from '../support/assertions';
import { newFan, uniqueEmail, type Fan } from '../support/fans';
import { invoke, randomIp, type Answer } from '../support/http';

/** The body limit DESIGN.md promises (not read from lib, so a change there shows up here). */
const BODY_LIMIT = 64 * 1024;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** The Authorization header value as sent. */
const withAuth = (authorization: string) => invoke(me, { path: '/api/auth/me', headers: { authorization } });

const registerRaw = (rawBody: string, contentType = 'application/json') =>
  invoke(register, { path: '/api/auth/register', rawBody, headers: { 'content-type': contentType }, ip: randomIp() });

describe('access tokens', () => {
  let attacker: Fan;
  let victim: Fan;
  beforeAll(async () => {
    [attacker, victim] = await Promise.all([newFan(), newFan()]);
  });

  const ourKey = () => new TextEncoder().encode(process.env.JWT_SECRET);

  /** A token for the victim with the API's own claims, `claims` overriding them (undefined drops one). */
  const forge = (claims: JWTPayload = {}, key: Uint8Array | CryptoKey = ourKey(), alg = 'HS256') =>
    new SignJWT({ sub: victim.id, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 900, ...claims })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .sign(key);

  /** The attacker's own valid token with its payload edited and its signature kept. */
  const tamper = (token: string, claims: JWTPayload) => {
    const [header, payload, signature] = token.split('.');
    const edited = { ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), ...claims };
    return `${header}.${b64(edited)}.${signature}`;
  };

  it('accepts a token forged with our key and claims (the control for the attacks below)', async () => {
    const res = await withAuth(`Bearer ${await forge()}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(victim.id);
  });

  const attacks: [string, () => Promise<string> | string][] = [
    ['alg: none, unsigned', () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: victim.id, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 900 })}.`],
    ['signed with another HS256 key', async () => `Bearer ${await forge({}, new TextEncoder().encode('not-our-secret-but-long-enough-0123456789'))}`],
    ['expired beyond the 5 s clock tolerance', async () => `Bearer ${await forge({ iat: now() - 3600, exp: now() - 60 })}`],
    ['without exp', async () => `Bearer ${await forge({ exp: undefined })}`],
    ['for another audience', async () => `Bearer ${await forge({ aud: 'someone-else' })}`],
    ['from another issuer', async () => `Bearer ${await forge({ iss: 'evil-issuer' })}`],
    ['with its payload changed after signing', () => `Bearer ${tamper(attacker.token, { sub: victim.id })}`],
    ['RS256 from a foreign keypair', async () => `Bearer ${await forge({}, (await generateKeyPair('RS256')).privateKey, 'RS256')}`],
    ['issued over 15 minutes ago, though it claims to live on', async () => `Bearer ${await forge({ iat: now() - 3600, exp: now() + 3600 })}`],
    ['of an account that no longer exists', async () => `Bearer ${await forge({ sub: '00000000-0000-4000-8000-000000000000' })}`],
    ['garbage', () => 'Bearer garbage'],
    ['empty', () => 'Bearer '],
    ['Basic credentials', () => `Basic ${Buffer.from(`${victim.email}:${victim.password}`).toString('base64')}`],
  ];

  it.each(attacks)('refuses a token %s with 401 and WWW-Authenticate', async (_, authorization) => {
    const res = await withAuth(await authorization());
    expectProblem(res, 401, '/problems/unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });
});

describe('request bodies and parameters', () => {
  it('answers 400 for malformed JSON', async () => {
    const res = await registerRaw('{"email": "a@example.test", "password": ');
    expectProblem(res, 400, '/problems/validation-error');
    expect(res.body.detail).toContain('not valid JSON');
  });

  it('answers 415 for a JSON-looking body sent as text/plain', async () => {
    const res = await registerRaw(JSON.stringify({ email: uniqueEmail(), password: 'long enough pw', name: 'T' }), 'text/plain');
    expectProblem(res, 415, '/problems/unsupported-media-type');
  });

  it('refuses a valid body padded past 64 KiB with 413 and writes nothing; one of exactly 64 KiB is taken', async () => {
    const email = uniqueEmail();
    const password = 'long enough pw';
    const json = JSON.stringify({ email, password, name: 'Big' });
    const padded = (bytes: number) => json + ' '.repeat(bytes - Buffer.byteLength(json));

    expectProblem(await registerRaw(padded(BODY_LIMIT + 1)), 413, '/problems/body-too-large');
    const attempt = await invoke(login, { path: '/api/auth/login', body: { email, password }, ip: randomIp() });
    expect(attempt.status).toBe(401);

    expect((await registerRaw(padded(BODY_LIMIT))).status).toBe(201);
  });

  it('counts the limit in bytes, not characters', async () => {
    const name = 'é'.repeat(BODY_LIMIT / 2 + 1); // fewer characters than the limit, more bytes
    const res = await registerRaw(JSON.stringify({ email: uniqueEmail(), password: 'long enough pw', name }));
    expectProblem(res, 413, '/problems/body-too-large');
  });

  it('refuses unknown body fields with an error on "body"', async () => {
    const res = await invoke(register, {
      path: '/api/auth/register',
      body: { email: uniqueEmail(), password: 'long enough pw', name: 'Sneaky', is_admin: true },
      ip: randomIp(),
    });
    expectProblem(res, 400, '/problems/validation-error');
    expect(res.body.errors).toContainEqual({ path: 'body', message: expect.stringContaining('is_admin') });
  });

  it('refuses a query parameter on an endpoint that takes none', async () => {
    const res = await invoke(health, { path: '/api/health', query: { debug: 'true' } });
    expectProblem(res, 400, '/problems/validation-error');
    expect(res.body.errors).toEqual([{ path: 'query', message: 'This endpoint takes no query.' }]);
  });

  it('refuses a body on an endpoint that takes none', async () => {
    const res = await invoke(health, { method: 'GET', path: '/api/health', body: {} });
    expectProblem(res, 400, '/problems/validation-error');
    expect(res.body.errors).toEqual([{ path: 'body', message: 'This endpoint takes no body.' }]);
  });
});

describe('every response', () => {
  const origin = 'https://app.paiecashfan.example';
  let fan: Fan;
  beforeAll(async () => {
    fan = await newFan();
  });

  const calls: [string, number, () => Promise<Answer>][] = [
    ['health', 200, () => invoke(health, { path: '/api/health', headers: { origin } })],
    ['me', 200, () => invoke(me, { path: '/api/auth/me', token: fan.token, headers: { origin } })],
    ['register', 201, () => invoke(register, { path: '/api/auth/register', body: { email: uniqueEmail(), password: 'long enough pw', name: 'C' }, headers: { origin } })],
    ['logout', 204, () => invoke(logout, { path: '/api/auth/logout', body: { refresh_token: 'unknown' }, headers: { origin } })],
    ['malformed JSON', 400, () => invoke(register, { path: '/api/auth/register', rawBody: '{', headers: { origin, 'content-type': 'application/json' } })],
    ['no token', 401, () => invoke(me, { path: '/api/auth/me', headers: { origin } })],
    ['body too large', 413, () => invoke(register, { path: '/api/auth/register', rawBody: ' '.repeat(BODY_LIMIT + 1), headers: { origin, 'content-type': 'application/json' } })],
    ['wrong content type', 415, () => invoke(register, { path: '/api/auth/register', rawBody: '{}', headers: { origin, 'content-type': 'text/plain' } })],
  ];

  it.each(calls)('%s (%i) carries X-Request-Id, security headers and CORS', async (_, status, call) => {
    const res = await call();
    expect(res.status).toBe(status);
    expectEnvelope(res, origin);
  });
});

describe('an unexpected error', () => {
  let fan: Fan;
  beforeAll(async () => {
    fan = await newFan();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const thrown: [string, unknown][] = [
    ['an Error', new Error('secret internals')],
    ['a raw database error', Object.assign(new Error('relation "secret_internals" does not exist'), { code: '42P01', severity: 'ERROR' })],
    ['a thrown string', 'secret internals'],
  ];

  it.each(thrown)('from %s is a generic 500 with the request id, logged but not leaked', async (_, error) => {
    vi.spyOn(users, 'getMe').mockRejectedValue(error);
    const logged = vi.spyOn(logger, 'error');
    const res = await invoke(me, { path: '/api/auth/me', token: fan.token, headers: { origin: 'https://app.paiecashfan.example' } });
    expectProblem(res, 500, '/problems/internal-error');
    expectEnvelope(res, 'https://app.paiecashfan.example');
    expect(res.body.request_id).toBe(res.headers['x-request-id']);
    expect(res.raw).not.toContain('secret');
    expect(logged).toHaveBeenCalledWith('unexpected error', error);
  });

  it('that is the Lambda running out of time is a 503 to retry, not a 500', async () => {
    vi.spyOn(users, 'getMe').mockReturnValue(new Promise(() => {}));
    const res = await invoke(me, { path: '/api/auth/me', token: fan.token, remainingMs: 100 });
    expectProblem(res, 503, '/problems/service-unavailable');
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('that is a handler stuck past its time is answered by the handler itself, before the Lambda times out', async () => {
    vi.spyOn(users, 'getMe').mockReturnValue(new Promise(() => {}));
    const logged = vi.spyOn(logger, 'error');
    // Time enough to start the handler, so that it is given up on, not refused at once.
    const remainingMs = GIVE_UP_BEFORE_TIMEOUT_MS + 500;
    const deadline = Date.now() + remainingMs;
    const res = await invoke(me, { path: '/api/auth/me', token: fan.token, remainingMs });
    // With time to spare for the answer itself, not at the last moment (middy's default gives up 5 ms before).
    expect(deadline - Date.now(), 'time the invocation had left when answered').toBeGreaterThan(GIVE_UP_BEFORE_TIMEOUT_MS / 2);
    expectProblem(res, 503, '/problems/service-unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    expect(logged).toHaveBeenCalledWith('request timed out', expect.anything());
  });
});

describe('GET /api/openapi.json', () => {
  const fetchDocument = async () => {
    const res = await invoke(openapi, { path: '/api/openapi.json' });
    expect(res.status).toBe(200);
    return res.body;
  };

  it('is an OpenAPI 3.1 document of exactly the routes in lib/routes.ts', async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([...new Set(routes.map((r) => r.path))].sort());
    for (const r of routes) {
      expect(doc.paths[r.path][r.method.toLowerCase()]?.operationId, `${r.method} ${r.path}`).toBe(r.operationId);
    }
  });

  it('documents the register body as validated: email, password and name required, nothing else allowed', async () => {
    const doc = await fetchDocument();
    const schema = doc.paths['/api/auth/register'].post.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['email', 'password', 'name']));
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('serverless.yml', () => {
  type HttpApi = string | { method: string; path: string };
  type Fn = { handler: string; events?: { httpApi?: HttpApi; websocket?: { route: string } }[] };

  const root = fileURLToPath(new URL('../../', import.meta.url));
  const functions = (parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as { functions: Record<string, Fn> }).functions;
  const endpoint = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
  /** `httpApi: { method, path }` or its short form `httpApi: 'GET /path'`. */
  const endpointOf = (event: HttpApi) =>
    typeof event === 'string' ? endpoint(...(event.trim().split(/\s+/) as [string, string])) : endpoint(event.method, event.path);

  it('routes exactly the endpoints of lib/routes.ts, each once, and a catch-all', () => {
    const events = Object.values(functions).flatMap((fn) => (fn.events ?? []).flatMap((e) => (e.httpApi ? [e.httpApi] : [])));
    expect(events.filter((e) => e === '*')).toHaveLength(1);
    const routed = events.filter((e) => e !== '*').map(endpointOf);
    expect(routed.sort()).toEqual(routes.map((r) => endpoint(r.method, r.path)).sort());
  });

  it("serves the WebSocket API's $connect, $disconnect and $default, each once", () => {
    const routed = Object.values(functions).flatMap((fn) => (fn.events ?? []).flatMap((e) => (e.websocket ? [e.websocket.route] : [])));
    expect(routed.sort()).toEqual(['$connect', '$default', '$disconnect']);
  });

  it('triggers every function by HTTP routes, WebSocket routes or a schedule, and nothing else', () => {
    for (const [name, fn] of Object.entries(functions)) {
      expect(fn.events?.length, name).toBeGreaterThan(0);
      for (const event of fn.events ?? []) expect(Object.keys(event), name).toEqual([expect.stringMatching(/^(httpApi|websocket|schedule)$/)]);
    }
  });

  it('names handler files that exist and export the handler', async () => {
    for (const [name, fn] of Object.entries(functions)) {
      const [, file, exported] = /^(.+)\.(\w+)$/.exec(fn.handler) ?? [];
      const path = join(root, `${file}.ts`);
      expect(existsSync(path), `${name}: ${path}`).toBe(true);
      const module = (await import(path)) as Record<string, unknown>;
      expect(typeof module[exported!], `${name}: ${fn.handler}`).toBe('function');
    }
  });
});

describe('unknown paths', () => {
  it('answer 404 problem+json with the envelope', async () => {
    const res = await invoke(notFound, { method: 'DELETE', path: '/api/wallet/nothing', headers: { origin: 'https://app.example' } });
    expectProblem(res, 404, '/problems/not-found');
    expect(res.body.detail).toBe('No endpoint answers DELETE /api/wallet/nothing.');
    expectEnvelope(res);
  });
});
