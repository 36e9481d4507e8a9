import { api } from '../../lib/http/api';
import { offer } from '../../lib/tickets/resale';
import { offerForResale } from '../../lib/tickets/routes';

export const handler = api(offerForResale, ({ user, params, body }) => offer(user.id, params.id, body));
