import { api } from '../../lib/http/api';
import { removeLine } from '../../lib/shop/cart';
import { removeCartLine } from '../../lib/shop/routes';

export const handler = api(removeCartLine, async ({ user, params }) => ({ status: 200, body: await removeLine(user.id, params.product_id) }));
