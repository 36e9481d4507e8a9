import { api } from '../../lib/http/api';
import { getEvent as get } from '../../lib/tickets/events';
import { getEvent } from '../../lib/tickets/routes';

export const handler = api(getEvent, async ({ params }) => ({ status: 200, body: await get(params.id) }));
