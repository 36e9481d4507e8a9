import { api } from '../../../lib/http/api';
import { getAdminEvent } from '../../../lib/tickets/admin-events';
import { adminGetEvent } from '../../../lib/tickets/routes';

export const handler = api(adminGetEvent, async ({ user, params }) => ({ status: 200, body: await getAdminEvent(user.id, params.id) }));
