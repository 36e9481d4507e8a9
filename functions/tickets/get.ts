import { api } from '../../lib/http/api';
import { getTicket } from '../../lib/tickets/routes';
import { getTicket as get } from '../../lib/tickets/tickets';

export const handler = api(getTicket, async ({ user, params }) => ({ status: 200, body: await get(user.id, params.id) }));
