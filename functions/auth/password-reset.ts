import { requestPasswordReset } from '../../lib/auth/routes';
import { requestReset } from '../../lib/auth/reset';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(requestPasswordReset, async ({ body, request }) => ({
  status: 202,
  body: await requestReset(body, request.ip),
}));
