import { api } from '../../lib/http/api';
import { listMessages as list } from '../../lib/social/messages';
import { listMessages } from '../../lib/social/routes';

export const handler = api(listMessages, async ({ user, params, query }) => ({ status: 200, body: await list(user.id, params.id, query) }));
