import { api } from '../../lib/http/api';
import { queue } from '../../lib/tickets/queue';
import { pollQueue } from '../../lib/tickets/routes';

export const handler = api(pollQueue, ({ user, params }) => queue(user.id, params.id, false));
