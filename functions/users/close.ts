import { closeAccount as close } from '../../lib/accounts/closing';
import { closeAccount } from '../../lib/accounts/routes';
import { api } from '../../lib/http/api';

export const handler = api(closeAccount, async ({ user, body }) => {
  await close(user.id, body);
  return { status: 204 };
});
