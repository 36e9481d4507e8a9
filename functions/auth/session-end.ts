import { endSession } from '../../lib/auth/routes';
import { endSession as end } from '../../lib/auth/sessions';
import { api } from '../../lib/http/api';

export const handler = api(endSession, async ({ user, params }) => {
  await end(user.id, params.id);
  return { status: 204 };
});
