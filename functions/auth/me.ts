import { me } from '../../lib/auth/routes';
import { getMe } from '../../lib/auth/users';
import { api } from '../../lib/http/api';

export const handler = api(me, async ({ user }) => ({ status: 200, body: await getMe(user.id) }));
