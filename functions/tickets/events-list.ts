import { publicApi } from '../../lib/http/api';
import { listEvents as list } from '../../lib/tickets/events';
import { listEvents } from '../../lib/tickets/routes';

export const handler = publicApi(listEvents, async ({ query }) => ({ status: 200, body: await list(query) }));
