import { resendVerification } from '../../lib/auth/routes';
import { resendVerification as resend } from '../../lib/auth/verification';
import { api } from '../../lib/http/api';

export const handler = api(resendVerification, async ({ user }) => ({ status: 202, body: await resend(user.id) }));
