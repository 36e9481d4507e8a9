import { api } from '../../../lib/http/api';
import { createProduct } from '../../../lib/shop/admin';
import { adminCreateProduct } from '../../../lib/shop/routes';
import { staffOf } from '../../../lib/staff/act';

export const handler = api(adminCreateProduct, (input) => createProduct(staffOf(input), input.claim, input.body));
