import { api } from '../../lib/http/api';
import { getCart as get } from '../../lib/shop/cart';
import { getCart } from '../../lib/shop/routes';

export const handler = api(getCart, async ({ user }) => ({ status: 200, body: await get(user.id) }));
