import { api } from '../../lib/http/api';
import { updateLine } from '../../lib/shop/cart';
import { updateCartLine } from '../../lib/shop/routes';

export const handler = api(updateCartLine, async ({ user, params, body }) => ({ status: 200, body: await updateLine(user.id, params.product_id, body.quantity) }));
