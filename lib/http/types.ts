import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { MiddlewareObj, Request } from '@middy/core';
import type { AuthUser } from './route';

/**
 * What the middlewares learn about a request before the handler runs. It
 * rides on the Lambda context, which middy hands to the handler.
 */
export type State = {
  requestId: string;
  /** The endpoint's operationId (API Gateway's route key where no route is declared): what logs and metrics group by. */
  route: string;
  startedAt: number;
  body?: unknown;
  /** The body's bytes as sent, for what signs them (a webhook's HMAC). */
  rawBody?: Buffer;
  input?: { body: unknown; query: unknown; params: unknown };
  user?: AuthUser;
  /** Headers every answer to this request carries, error or not (its rate limit's). */
  headers?: Record<string, string>;
};

export type Event = APIGatewayProxyEventV2;
export type Result = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };
export type HttpContext = Context & { http: State };
export type HttpRequest = Request<Event, Result, Error, HttpContext>;
export type Middleware = MiddlewareObj<Event, Result, Error, HttpContext>;

/** API Gateway lower-cases header names in payload 2.0; offline may not. */
export const header = (event: { headers?: Event['headers'] }, name: string): string | undefined => {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
};

/** The client's address as API Gateway saw it. */
export const sourceIp = (event: Event): string => event.requestContext?.http?.sourceIp ?? 'unknown';
