import { publicApi } from '../../lib/http/api';
import { getMetadata } from '../../lib/tickets/routes';
import { ticketMetadata } from '../../lib/tickets/tickets';

export const handler = publicApi(getMetadata, async ({ params }) => ({ status: 200, body: await ticketMetadata(params.id) }));
