import { onDisconnect } from '../../lib/http/websocket';
import { closeConnection } from '../../lib/realtime/connections';

export const handler = onDisconnect(closeConnection);
