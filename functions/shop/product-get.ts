import { api } from '../../lib/http/api';
import { getProduct as get } from '../../lib/shop/products';
import { getProduct } from '../../lib/shop/routes';

export const handler = api(getProduct, async ({ params }) => ({ status: 200, body: await get(params.id) }));
