import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpSecurityHeaders from '@middy/http-security-headers';
import { config } from '../config';
import { authenticate } from './authenticate';
import { checkKey, fingerprintOf, serialize } from './idempotency';
import { jsonBody } from './json-body';
import { metrics } from './metrics';
import { GIVE_UP_BEFORE_TIMEOUT_MS, OutOfTime, problems } from './problems';
import { rateLimit } from './rate-limit';
import { requestContext } from './request-context';
import type { Input, Reply, Route } from './route';
import { header, sourceIp, type Event, type HttpContext, type Middleware, type Result } from './types';
import { validate } from './validate';

const respond = (status: number, body: string, type: string, headers: Record<string, string> = {}): Result => ({
  statusCode: status,
  headers: body === '' ? headers : { 'Content-Type': type, ...headers },
  body,
});

/**
 * What every answer gets, whatever produced it: request id and logging,
 * its metrics, problem+json for any error, security headers, CORS,
 * `X-Request-Id`; and a handler still at work shortly before the Lambda's
 * timeout is given up and answered 503.
 */
export const envelope = (ownPolicy = false, operationId?: string) =>
  middy<Event, Result, Error, HttpContext>({
    timeoutEarlyInMillis: GIVE_UP_BEFORE_TIMEOUT_MS,
    timeoutEarlyResponse: () => {
      throw new OutOfTime();
    },
  })
    .use(requestContext(operationId))
    .use(metrics())
    .use(httpCors({ origins: config.corsOrigins(), exposeHeaders: 'X-Request-Id, Retry-After, Idempotent-Replayed, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Content-Disposition', maxAge: 600 }))
    // A page's own Content-Security-Policy replaces this one rather than merging with it: this one sandboxes a page and forbids every script.
    .use(httpSecurityHeaders(ownPolicy ? { contentSecurityPolicy: false } : {}))
    .use(problems());

type Handler<R extends Route> = (input: Input<R>) => Promise<Reply>;

/**
 * The one middy stack every endpoint is built with: the envelope, then auth
 * (where the route takes a token), its rate limit, the JSON body and
 * validation before the handler; routes that move money or stock hand the
 * handler the claim on their Idempotency-Key, which the movement settles in
 * its own transaction.
 */
const stack = <R extends Route>(route: R, handler: Handler<R>, auth?: Middleware) => {
  const run = async (event: Event, context: HttpContext): Promise<Result> => {
    const state = context.http;
    const input = {
      ...state.input!,
      user: state.user,
      request: {
        id: state.requestId,
        ip: sourceIp(event),
        userAgent: header(event, 'user-agent'),
        header: (name: string) => header(event, name),
        rawBody: state.rawBody,
        workLeftMs: () => context.getRemainingTimeInMillis() - GIVE_UP_BEFORE_TIMEOUT_MS,
      },
      claim: route.idempotent
        ? {
            userId: state.user!.id,
            key: checkKey(header(event, 'idempotency-key')),
            fingerprint: fingerprintOf(route.method, event.rawPath, state.input!.body),
          }
        : undefined,
    } as Input<R>;
    const reply = await handler(input);
    const type = reply.problem ? 'application/problem+json' : 'application/json';
    const headers = {
      ...(route.contentSecurityPolicy ? { 'Content-Security-Policy': route.contentSecurityPolicy } : {}),
      ...reply.headers,
      ...(reply.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
    };
    return respond(reply.status, reply.raw ?? serialize(reply.body), type, headers);
  };
  const chain = envelope(route.contentSecurityPolicy !== undefined, route.operationId);
  if (auth) chain.use(auth);
  return chain.use(rateLimit(route)).use(jsonBody()).use(validate(route)).handler(run);
};

/** An endpoint that may take an access token (and must, to move money or stock). */
export const api = <R extends Route>(route: R, handler: Handler<R>) =>
  stack(route, handler, authenticate(route.idempotent ? 'required' : route.auth));

/**
 * An endpoint that takes no token (health, docs, the doors of auth). Its
 * bundle then carries no token verification at all.
 */
export const publicApi = <R extends Route & { auth: 'none'; idempotent?: false }>(route: R, handler: Handler<R>) => stack(route, handler);
