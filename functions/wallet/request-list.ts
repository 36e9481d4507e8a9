import { api } from '../../lib/http/api';
import { listRequests as list } from '../../lib/wallet/requests';
import { listRequests } from '../../lib/wallet/routes';

export const handler = api(listRequests, async ({ user, query }) => ({ status: 200, body: await list(user.id, query) }));
