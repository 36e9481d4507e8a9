import { api } from '../../../lib/http/api';
import { deliverOrder } from '../../../lib/shop/admin';
import { adminDeliverOrder } from '../../../lib/shop/routes';
import { staffOf } from '../../../lib/staff/act';

export const handler = api(adminDeliverOrder, (input) => deliverOrder(staffOf(input), input.params.id));
