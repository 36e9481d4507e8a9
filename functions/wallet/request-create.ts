import { api } from '../../lib/http/api';
import { createRequest as ask } from '../../lib/wallet/requests';
import { createRequest } from '../../lib/wallet/routes';

export const handler = api(createRequest, async ({ user, body }) => ({ status: 201, body: await ask(user.id, body) }));
