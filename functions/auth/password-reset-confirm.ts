import { confirmPasswordReset } from '../../lib/auth/routes';
import { confirmReset } from '../../lib/auth/reset';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(confirmPasswordReset, async ({ body, request }) => {
  await confirmReset(body, request.ip);
  return { status: 204 };
});
