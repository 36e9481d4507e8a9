import { login } from '../../lib/auth/routes';
import { login as startSession } from '../../lib/auth/sessions';
import { api } from '../../lib/http/api';

export const handler = api(login, async ({ body, request }) => ({
  status: 200,
  body: await startSession(body, request.ip),
}));
