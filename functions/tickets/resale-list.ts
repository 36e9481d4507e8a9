import { api } from '../../lib/http/api';
import { listOffers } from '../../lib/tickets/resale';
import { listResale } from '../../lib/tickets/routes';

export const handler = api(listResale, async ({ query }) => ({ status: 200, body: await listOffers(query) }));
