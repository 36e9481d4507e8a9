import { verifyEmail } from '../../lib/auth/routes';
import { verifyEmail as verify } from '../../lib/auth/verification';
import { api } from '../../lib/http/api';

export const handler = api(verifyEmail, async ({ body, user }) => ({ status: 200, body: await verify(body.token, user) }));
