import { changePassword } from '../../lib/auth/routes';
import { changePassword as change } from '../../lib/auth/credentials';
import { api } from '../../lib/http/api';

export const handler = api(changePassword, async ({ user, body }) => {
  await change(user, body);
  return { status: 204 };
});
