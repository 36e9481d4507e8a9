import { api } from '../../../lib/http/api';
import { listAdminEvents } from '../../../lib/tickets/admin-events';
import { adminListEvents } from '../../../lib/tickets/routes';

export const handler = api(adminListEvents, async ({ user, query }) => ({ status: 200, body: await listAdminEvents(user.id, query) }));
