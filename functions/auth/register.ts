import { register } from '../../lib/auth/routes';
import { register as createAccount } from '../../lib/auth/credentials';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(register, async ({ body, request }) => ({
  status: 201,
  body: await createAccount(body, request),
}));
