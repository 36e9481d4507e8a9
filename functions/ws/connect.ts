import { onConnect } from '../../lib/http/websocket';
import { openConnection } from '../../lib/realtime/connections';

export const handler = onConnect(openConnection);
