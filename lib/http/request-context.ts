import { randomUUID } from 'node:crypto';
import { logger } from '../log';
import type { HttpRequest, Middleware } from './types';

/**
 * Gives each request its id, puts it on
 * every log line and in `X-Request-Id`, and logs one line per request.
 */
export const requestContext = (): Middleware => {
  const finish = (request: HttpRequest) => {
    const { requestId, startedAt, headers } = request.context.http;
    const response = request.response;
    // Answers are per fan and often money: no shared cache keeps them unless a handler says so.
    if (response) response.headers = { 'Cache-Control': 'no-store', ...response.headers, ...headers, 'X-Request-Id': requestId };
    logger.info('request', {
      method: request.event.requestContext?.http?.method,
      path: request.event.rawPath,
      status: response?.statusCode,
      duration_ms: Date.now() - startedAt,
    });
    logger.removeKeys(['request_id']);
  };
  return {
    before: (request) => {
      // Lambda's invocation id: unique per request everywhere, offline included.
      const requestId = request.context.awsRequestId || request.event.requestContext?.requestId || randomUUID();
      request.context.http = { requestId, startedAt: Date.now() };
      logger.appendKeys({ request_id: requestId });
    },
    after: finish,
    onError: finish,
  };
};
