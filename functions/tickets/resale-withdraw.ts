import { api } from '../../lib/http/api';
import { withdraw } from '../../lib/tickets/resale';
import { withdrawResale } from '../../lib/tickets/routes';

export const handler = api(withdrawResale, async ({ user, params }) => ({ status: 200, body: await withdraw(user.id, params.id) }));
