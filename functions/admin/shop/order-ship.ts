import { api } from '../../../lib/http/api';
import { shipOrder } from '../../../lib/shop/admin';
import { adminShipOrder } from '../../../lib/shop/routes';
import { staffOf } from '../../../lib/staff/act';

export const handler = api(adminShipOrder, (input) => shipOrder(staffOf(input), input.params.id));
