import { api } from '../../../lib/http/api';
import { updateProduct } from '../../../lib/shop/admin';
import { adminUpdateProduct } from '../../../lib/shop/routes';
import { staffOf } from '../../../lib/staff/act';

export const handler = api(adminUpdateProduct, (input) => updateProduct(staffOf(input), input.params.id, input.body));
