import { logout } from '../../lib/auth/routes';
import { logout as endSession } from '../../lib/auth/sessions';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(logout, async ({ body }) => {
  await endSession(body.refresh_token);
  return { status: 204 };
});
