import { endOtherSessions } from '../../lib/auth/routes';
import { endOtherSessions as endOthers } from '../../lib/auth/sessions';
import { api } from '../../lib/http/api';

export const handler = api(endOtherSessions, async ({ user }) => {
  await endOthers(user);
  return { status: 204 };
});
