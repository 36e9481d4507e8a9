import { api } from '../../lib/http/api';
import { checkout as buy } from '../../lib/shop/orders';
import { checkout } from '../../lib/shop/routes';

export const handler = api(checkout, ({ claim }) => buy(claim));
