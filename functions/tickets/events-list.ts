import { api } from '../../lib/http/api';
import { listEvents as list } from '../../lib/tickets/events';
import { listEvents } from '../../lib/tickets/routes';

export const handler = api(listEvents, async ({ query }) => ({ status: 200, body: await list(query) }));
