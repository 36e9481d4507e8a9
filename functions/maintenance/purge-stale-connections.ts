import type { ScheduledHandler } from 'aws-lambda';
import { logger } from '../../lib/log';
import { purgeStaleConnections } from '../../lib/realtime/connections';

/** Hourly: WebSocket connections older than API Gateway lets one live. */
export const handler: ScheduledHandler = async () => {
  logger.info('purged stale WebSocket connections', { purged: await purgeStaleConnections() });
};
