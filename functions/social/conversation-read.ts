import { api } from '../../lib/http/api';
import { markRead as mark } from '../../lib/social/messages';
import { markRead } from '../../lib/social/routes';

export const handler = api(markRead, async ({ user, params, body }) => ({ status: 200, body: await mark(user.id, params.id, body.up_to) }));
