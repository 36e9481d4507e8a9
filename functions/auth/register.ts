import { register } from '../../lib/auth/routes';
import { register as createAccount } from '../../lib/auth/sessions';
import { api } from '../../lib/http/api';

export const handler = api(register, async ({ body, request }) => ({
  status: 201,
  body: await createAccount(body, request.ip),
}));
