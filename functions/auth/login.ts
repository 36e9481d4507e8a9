import { login } from '../../lib/auth/routes';
import { login as startSession } from '../../lib/auth/credentials';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(login, async ({ body, request }) => ({
  status: 200,
  body: await startSession(body, request),
}));
