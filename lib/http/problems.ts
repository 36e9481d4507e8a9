import { isLockTimeout, isUnavailable, pgCode } from '../db';
import { logger } from '../log';
import { report } from '../sentry';
import { ProblemError, tooManyRequests, unavailable, type Problem } from './problem';
import type { Middleware, Result } from './types';

/**
 * How long before its Lambda's timeout (serverless.yml) a request still at
 * work is given up and answered 503, so that no client is left to the
 * platform's own answer. middy's default, 5 ms, leaves no time to answer:
 * the middlewares after the handler and the log lines still run. Under
 * serverless-offline, whose timer also counts a cold worker's start and
 * import (the remaining time its context reports does not), it also covers
 * a cold start of up to that long.
 */
export const GIVE_UP_BEFORE_TIMEOUT_MS = 1000;

/** A request given up on, in time to answer before its Lambda times out. */
export class OutOfTime extends Error {
  override name = 'OutOfTime';
  constructor() {
    super(`given up ${GIVE_UP_BEFORE_TIMEOUT_MS} ms before the Lambda's timeout`);
  }
}

export const problemResponse = (problem: Problem, headers: Record<string, string> = {}): Result => ({
  statusCode: problem.status,
  headers: { ...headers, 'Content-Type': 'application/problem+json' },
  body: JSON.stringify(problem),
});

/** Turns any error into a problem; no stack or database text leaves here. */
export const toProblemError = (error: unknown): ProblemError => {
  if (error instanceof ProblemError) return error;
  // Text Postgres cannot store (a NUL byte, invalid encoding) slipped past validation.
  if (['22021', '22P05'].includes(pgCode(error) ?? '')) {
    return new ProblemError(400, 'validation-error', 'The request contains characters that cannot be stored.');
  }
  // A date or number beyond what its column holds, likewise.
  if (['22008', '22003'].includes(pgCode(error) ?? '')) {
    return new ProblemError(400, 'validation-error', 'A value in the request is out of range.');
  }
  if (isLockTimeout(error)) {
    return tooManyRequests(1, 'Another operation on the same account is still running; retry in a moment.');
  }
  if (isUnavailable(error)) {
    logger.error('database unavailable', { error: String(error) });
    return unavailable();
  }
  // The service is overloaded, not broken: what the request started commits or not, as after a cut connection.
  if (error instanceof OutOfTime) {
    logger.error('request timed out', { error: String(error) });
    return unavailable('The request took too long; retry shortly (with the same Idempotency-Key, if it had one).');
  }
  logger.error('unexpected error', error as Error);
  return new ProblemError(500, 'internal-error', 'An unexpected error occurred; quote the request id if you report it.');
};

export const problems = (): Middleware => ({
  onError: async (request) => {
    const error = toProblemError(request.error);
    const problem = error.toProblem();
    if (error.status === 500) {
      const { requestId, route } = request.context.http;
      problem.request_id = requestId;
      await report(request.error, { request_id: requestId, route });
    }
    request.response = problemResponse(problem, error.extra.headers);
  },
});
