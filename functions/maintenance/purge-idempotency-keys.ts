import type { ScheduledHandler } from 'aws-lambda';
import { purgeExpiredKeys } from '../../lib/http/idempotency';
import { logger } from '../../lib/log';

/** Hourly: idempotency keys live 24 hours; older rows only take space. */
export const handler: ScheduledHandler = async () => {
  logger.info('purged expired idempotency keys', { purged: await purgeExpiredKeys() });
};
