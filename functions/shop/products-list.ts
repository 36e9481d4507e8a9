import { api } from '../../lib/http/api';
import { listProducts as list } from '../../lib/shop/products';
import { listProducts } from '../../lib/shop/routes';

export const handler = api(listProducts, async ({ query }) => ({ status: 200, body: await list(query) }));
