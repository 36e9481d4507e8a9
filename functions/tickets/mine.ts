import { api } from '../../lib/http/api';
import { listMine } from '../../lib/tickets/routes';
import { listMine as list } from '../../lib/tickets/tickets';

export const handler = api(listMine, async ({ user, query }) => ({ status: 200, body: await list(user.id, query) }));
