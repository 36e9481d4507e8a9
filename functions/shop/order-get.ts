import { api } from '../../lib/http/api';
import { getOrder as get } from '../../lib/shop/orders';
import { getOrder } from '../../lib/shop/routes';

export const handler = api(getOrder, async ({ user, params }) => ({ status: 200, body: await get(user.id, params.id) }));
