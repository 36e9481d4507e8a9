import { api } from '../../lib/http/api';
import { listConversations as list } from '../../lib/social/conversations';
import { listConversations } from '../../lib/social/routes';

export const handler = api(listConversations, async ({ user, query }) => ({ status: 200, body: await list(user.id, query) }));
