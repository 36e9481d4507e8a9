import { api } from '../../lib/http/api';
import { queue } from '../../lib/tickets/queue';
import { joinQueue } from '../../lib/tickets/routes';

export const handler = api(joinQueue, ({ user, params }) => queue(user.id, params.id, true));
