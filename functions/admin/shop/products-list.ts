import { api } from '../../../lib/http/api';
import { listProducts } from '../../../lib/shop/admin';
import { adminListProducts } from '../../../lib/shop/routes';

export const handler = api(adminListProducts, async ({ user, query }) => ({ status: 200, body: await listProducts(user.id, query) }));
