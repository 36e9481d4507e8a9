import { updateMe } from '../../lib/auth/routes';
import { updateMe as update } from '../../lib/auth/verification';
import { api } from '../../lib/http/api';

export const handler = api(updateMe, async ({ user, body }) => ({ status: 200, body: await update(user.id, body) }));
