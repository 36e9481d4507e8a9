import { randomUUID } from 'node:crypto';
import { logger } from '../log';
import type { HttpRequest, Middleware } from './types';

/**
 * Gives each request its id, puts it on
 * every log line and in `X-Request-Id`, and logs one line per request.
 */
export const requestContext = (operationId?: string): Middleware => {
  const finish = (request: HttpRequest) => {
    const { requestId, route, startedAt, headers, user } = request.context.http;
    const response = request.response;
    // Answers are per fan and often money: no shared cache keeps them unless a handler says so.
    if (response) response.headers = { 'Cache-Control': 'no-store', ...response.headers, ...headers, 'X-Request-Id': requestId };
    // Never the query string, headers or body: they may carry tokens, passwords or ticket codes.
    logger.info('request', {
      route,
      method: request.event.requestContext?.http?.method,
      path: request.event.rawPath,
      status: response?.statusCode,
      duration_ms: Date.now() - startedAt,
      user_id: user?.id,
    });
    logger.removeKeys(['request_id']);
  };
  return {
    before: (request) => {
      // Lambda's invocation id: unique per request everywhere, offline included.
      const requestId = request.context.awsRequestId || request.event.requestContext?.requestId || randomUUID();
      request.context.http = { requestId, route: operationId ?? request.event.routeKey, startedAt: Date.now() };
      logger.appendKeys({ request_id: requestId });
    },
    after: finish,
    onError: finish,
  };
};
