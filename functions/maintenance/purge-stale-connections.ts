import { purgeStaleConnections } from '../../lib/realtime/connections';
import { job } from '../../lib/scheduled';

/** Hourly: WebSocket connections older than API Gateway lets one live. */
export const handler = job('purge-stale-connections', async () => ({ purged: await purgeStaleConnections() }));
