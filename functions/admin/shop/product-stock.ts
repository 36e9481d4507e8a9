import { api } from '../../../lib/http/api';
import { changeStock } from '../../../lib/shop/admin';
import { adminChangeStock } from '../../../lib/shop/routes';
import { staffOf } from '../../../lib/staff/act';

export const handler = api(adminChangeStock, (input) => changeStock(staffOf(input), input.claim, input.params.id, input.body));
