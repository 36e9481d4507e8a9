/** The api() stack on made-up routes that touch neither Postgres nor Redis. */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AUDIENCE, ISSUER, signAccessToken } from '../../lib/auth/tokens';
import { api } from '../../lib/http/api';
import { badRequest, conflict, ProblemError, tooManyRequests, unauthorized, unavailable } from '../../lib/http/problem';
import { route } from '../../lib/http/route';
import { expectProblem } from '../support/assertions';
import { invoke } from '../support/http';

const echoRoute = route({
  operationId: 'echo',
  method: 'POST',
  path: '/api/test/echo',
  summary: 'Echoes its parsed input',
  tags: ['test'],
  auth: 'optional',
  body: z.strictObject({ items: z.array(z.strictObject({ qty: z.number().check(z.int(), z.positive()) })) }),
  query: z.strictObject({ page: z._default(z.coerce.number().check(z.int(), z.positive()), 1) }),
  responses: { 200: { description: 'The parsed input' } },
});

const echo = api(echoRoute, async ({ body, query, user }) => ({ status: 200, body: { body, query, user: user ?? null } }));

const failing = (error: unknown) =>
  api({ ...echoRoute, body: undefined, query: undefined, auth: 'none' }, async () => {
    throw error;
  });

const send = (call: Parameters<typeof invoke>[1] = {}) => invoke(echo, { path: echoRoute.path, body: { items: [{ qty: 1 }] }, ...call });

describe('problems', () => {
  it('have type, title, status and detail, with extensions but never the headers', () => {
    const problem = new ProblemError(409, 'sold-out', 'No seats left.', { headers: { 'X-Secret': 'no' }, seats_left: 0 }).toProblem();
    expect(problem).toEqual({ type: '/problems/sold-out', title: 'Conflict', status: 409, detail: 'No seats left.', seats_left: 0 });
  });

  it.each([
    ['validation-error', 400, badRequest('Bad.', [{ path: 'body.x', message: 'Required' }]), {}],
    ['unauthorized', 401, unauthorized(), { 'WWW-Authenticate': expect.stringMatching(/^Bearer /) }],
    ['email-taken', 409, conflict('email-taken', 'Taken.'), {}],
    ['rate-limited', 429, tooManyRequests(7, 'Slow down.'), { 'Retry-After': '7' }],
    ['service-unavailable', 503, unavailable(), { 'Retry-After': expect.any(String) }],
  ])('%s (%i) thrown by a handler is answered with its status, body and headers', async (slug, status, error, headers) => {
    const res = await invoke(failing(error), { path: '/api/test/fail' });
    expectProblem(res, status, `/problems/${slug}`);
    expect(res.body).toEqual(error.toProblem());
    for (const [name, value] of Object.entries(headers)) expect(res.headers[name.toLowerCase()]).toEqual(value);
  });
});

describe('validation', () => {
  it('hands the handler parsed input, query defaults applied and coerced', async () => {
    const res = await send({ query: { page: '3' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ body: { items: [{ qty: 1 }] }, query: { page: 3 }, user: null });
    expect((await send()).body.query).toEqual({ page: 1 });
  });

  it('names each invalid field by its full path, body and query together', async () => {
    const res = await send({ body: { items: [{ qty: 1 }, { qty: 0 }] }, query: { page: 'x' } });
    expectProblem(res, 400, '/problems/validation-error');
    expect(res.body.detail).toBe('The request has 2 invalid fields.');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.items.1.qty', 'query.page']);
  });

  it('refuses unknown query parameters when the query has a schema', async () => {
    const res = await send({ query: { page: '1', debug: 'true' } });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ path: 'query', message: expect.stringContaining('debug') }]);
  });
});

describe('JSON bodies', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])(
    'are taken as %s',
    async (type) => {
      expect((await send({ headers: { 'content-type': type } })).status).toBe(200);
    },
  );

  it.each(['text/plain', 'application/jsonp', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'are refused with 415 as %s',
    async (type) => {
      expectProblem(await send({ headers: { 'content-type': type } }), 415, '/problems/unsupported-media-type');
    },
  );

  it('are refused with 415 without a content type', async () => {
    const res = await send({ body: undefined, rawBody: '{"items":[]}' });
    expectProblem(res, 415);
  });
});

describe('authentication', () => {
  it('is optional on an optional route: no token, no user; a good one names the user', async () => {
    expect((await send()).body.user).toBeNull();
    const id = randomUUID();
    expect((await send({ token: await signAccessToken(id) })).body.user).toEqual({ id });
  });

  it('still refuses a bad token on an optional route', async () => {
    const res = await send({ token: 'not-a-token' });
    expectProblem(res, 401, '/problems/unauthorized');
  });

  it('reads the Bearer scheme whatever its case', async () => {
    const id = randomUUID();
    const res = await send({ headers: { authorization: `bearer ${await signAccessToken(id)}` } });
    expect(res.body.user).toEqual({ id });
  });

  it('refuses a well-signed token whose subject is not a user id', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(process.env.JWT_SECRET));
    expectProblem(await send({ token }), 401);
  });
});

describe('replies', () => {
  it('without a body have no content type', async () => {
    const noContent = api({ ...echoRoute, body: undefined, query: undefined, auth: 'none' }, async () => ({ status: 204 }));
    const res = await invoke(noContent, { path: '/api/test/empty' });
    expect(res.status).toBe(204);
    expect(res.raw).toBe('');
    expect(res.headers['content-type']).toBeUndefined();
  });
});
