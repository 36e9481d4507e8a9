import type { $ZodType, output } from 'zod/v4/core';
import type { LimitClass } from '../rate-limit';

/**
 * A request's claim on its Idempotency-Key: who sent it, the key, and the
 * fingerprint of the request, so the same key with another request is
 * told apart from a retry. The stack checks the key and computes the
 * fingerprint (./idempotency); the movement itself claims the key and
 * stores the outcome, in its one transaction (`lib/wallet/movement.ts`).
 */
export type Claim = { userId: string; key: string; fingerprint: string };

/** How long a key is remembered (and so cannot be reused). */
export const KEY_TTL = '24 hours';

/** Query strings and path parameters arrive as flat string maps. */
type ObjectSchema = $ZodType<unknown, Record<string, unknown>>;

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
/**
 * What a route does with an access token: `required`, `optional` (a bad one
 * is still 401), `lenient` (a valid one names the fan, whose rate limit the
 * request then counts against rather than its address's; a missing or bad
 * one is ignored: the catalogue anyone may read, which a stadium's fans reach
 * through a few carrier addresses), or `none` (never read).
 */
export type Auth = 'none' | 'lenient' | 'optional' | 'required';

/**
 * One endpoint: its place, its schemas and its answers. Handlers are built
 * from it and the OpenAPI document is generated from the same objects, so
 * the spec cannot drift from what is validated.
 */
export type Route = {
  operationId: string;
  method: Method;
  path: `/api${string}`;
  summary: string;
  tags: readonly string[];
  auth: Auth;
  /** Moves money or stock: requires `Idempotency-Key`, whose claim the handler passes to its movement. */
  idempotent?: boolean;
  /** The rate-limit class its requests count against; by default the one `limitOf` derives. */
  limit?: LimitClass;
  /** An HTML page: the Content-Security-Policy it needs, in place of the API's, which lets a page load nothing. */
  contentSecurityPolicy?: string;
  body?: $ZodType;
  query?: ObjectSchema;
  params?: ObjectSchema;
  responses: Readonly<Record<number, { description: string; schema?: $ZodType }>>;
};

export const route = <const R extends Route>(r: R): R => r;

/** A route's rate-limit class: its own, else money for movements, reads for GETs, writes for the rest. */
export const limitOf = (r: Route): LimitClass => r.limit ?? (r.idempotent ? 'money' : r.method === 'GET' ? 'reads' : 'writes');

/** The fan a request's access token names, and the session (refresh-token family) it was issued to. */
export type AuthUser = { id: string; sessionId?: string };

type Parsed<S> = S extends $ZodType ? output<S> : undefined;

export type Input<R extends Route> = {
  body: Parsed<R['body']>;
  query: Parsed<R['query']>;
  params: Parsed<R['params']>;
  user: R['auth'] extends 'required' ? AuthUser : AuthUser | undefined;
  /** The request's claim on its Idempotency-Key, settled by the movement it makes. */
  claim: R['idempotent'] extends true ? Claim : undefined;
  request: {
    id: string;
    ip: string;
    userAgent: string | undefined;
    header(name: string): string | undefined;
    /** The body's bytes as sent (a webhook checks its signature over them). */
    rawBody: Buffer | undefined;
    /** How long the handler may still work before the request is given up (the Lambda's time left, less the margin to answer). */
    workLeftMs(): number;
  };
};

export type Reply = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** The body is a problem: a refusal answered rather than thrown (a movement's, stored). */
  problem?: boolean;
  /** The stored outcome of an earlier request with the same Idempotency-Key. */
  replayed?: boolean;
  /** A body sent as these exact bytes (an outcome stored already rendered). */
  raw?: string;
};
