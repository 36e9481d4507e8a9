import { api } from '../../../lib/http/api';
import { listOrders } from '../../../lib/shop/admin';
import { adminListOrders } from '../../../lib/shop/routes';

export const handler = api(adminListOrders, async ({ user, query }) => ({ status: 200, body: await listOrders(user.id, query) }));
