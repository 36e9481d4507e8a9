import { api } from '../../lib/http/api';
import { listOrders as list } from '../../lib/shop/orders';
import { listOrders } from '../../lib/shop/routes';

export const handler = api(listOrders, async ({ user, query }) => ({ status: 200, body: await list(user.id, query) }));
