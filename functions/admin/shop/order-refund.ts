import { api } from '../../../lib/http/api';
import { refundOrder } from '../../../lib/shop/admin';
import { adminRefundOrder } from '../../../lib/shop/routes';
import { staffOf } from '../../../lib/staff/act';

export const handler = api(adminRefundOrder, (input) => refundOrder(staffOf(input), input.claim, input.params.id));
