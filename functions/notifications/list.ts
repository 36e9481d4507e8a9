import { api } from '../../lib/http/api';
import { listNotifications as list } from '../../lib/notifications/notifications';
import { listNotifications } from '../../lib/notifications/routes';

export const handler = api(listNotifications, async ({ user, query }) => ({ status: 200, body: await list(user.id, query) }));
