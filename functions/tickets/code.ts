import { api } from '../../lib/http/api';
import { getCode } from '../../lib/tickets/routes';
import { ticketCode } from '../../lib/tickets/tickets';

export const handler = api(getCode, async ({ user, params }) => ({ status: 200, body: await ticketCode(user.id, params.id) }));
