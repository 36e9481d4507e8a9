import type { ScheduledHandler } from 'aws-lambda';
import { logger } from './log';
import { report } from './sentry';

/**
 * A scheduled job, as api() is an endpoint: its invocation id on every log
 * line and one line when it ends, with what it reports. A failure is logged
 * and reported, then thrown again so that Lambda counts and retries it.
 */
export const job =
  (name: string, work: () => Promise<Record<string, unknown>>): ScheduledHandler =>
  async (_event, context) => {
    const requestId = context.awsRequestId;
    logger.appendKeys({ request_id: requestId });
    const startedAt = Date.now();
    try {
      logger.info('job', { job: name, ...(await work()), duration_ms: Date.now() - startedAt });
    } catch (error) {
      logger.error('job failed', { job: name, duration_ms: Date.now() - startedAt, error: error as Error });
      await report(error, { request_id: requestId, route: name });
      throw error;
    } finally {
      logger.removeKeys(['request_id']);
    }
  };
