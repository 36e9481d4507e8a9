import { api } from '../../../lib/http/api';
import { getCancellation } from '../../../lib/tickets/cancellation';
import { getCancellation as route } from '../../../lib/tickets/routes';

export const handler = api(route, async ({ user, params }) => ({ status: 200, body: await getCancellation(user.id, params.id) }));
