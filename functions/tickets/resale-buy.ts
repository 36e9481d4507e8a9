import { api } from '../../lib/http/api';
import { buy } from '../../lib/tickets/resale';
import { buyResale } from '../../lib/tickets/routes';

export const handler = api(buyResale, ({ claim, params }) => buy(claim, params.id));
