import { api } from '../../lib/http/api';
import { cancelOrder as cancel } from '../../lib/shop/orders';
import { cancelOrder } from '../../lib/shop/routes';

export const handler = api(cancelOrder, ({ claim, params }) => cancel(claim, params.id));
