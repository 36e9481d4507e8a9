import { listSessions } from '../../lib/auth/routes';
import { listSessions as list } from '../../lib/auth/sessions';
import { api } from '../../lib/http/api';

export const handler = api(listSessions, async ({ user }) => ({ status: 200, body: await list(user.id, user.sessionId) }));
