import { api } from '../../lib/http/api';
import { closeRequest } from '../../lib/wallet/requests';
import { declineRequest } from '../../lib/wallet/routes';

export const handler = api(declineRequest, async ({ user, params }) => ({ status: 200, body: await closeRequest(user.id, params.id, 'declined') }));
