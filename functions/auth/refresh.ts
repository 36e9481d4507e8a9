import { refresh } from '../../lib/auth/routes';
import { refresh as rotate } from '../../lib/auth/sessions';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(refresh, async ({ body, request }) => ({
  status: 200,
  body: await rotate(body.refresh_token, request.userAgent),
}));
