import { api } from '../../lib/http/api';
import { purchase } from '../../lib/tickets/routes';
import { purchase as buy } from '../../lib/tickets/tickets';

export const handler = api(purchase, ({ claim, body }) => buy(claim, body));
