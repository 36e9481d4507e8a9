import { api } from '../../lib/http/api';
import { addToCart as add } from '../../lib/shop/cart';
import { addToCart } from '../../lib/shop/routes';

export const handler = api(addToCart, async ({ user, body }) => ({ status: 200, body: await add(user.id, body) }));
