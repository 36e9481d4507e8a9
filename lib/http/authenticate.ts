import { verifyLiveAccessToken } from '../auth/revocation';
import { ProblemError, unauthorized } from './problem';
import type { Auth } from './route';
import { header, type Middleware } from './types';

const BEARER = /^Bearer +([\w.~+/-]+=*)$/i;

/** Sets `state.user` from a Bearer access token; a bad token, or one of an ended session, is 401, but where the route is `lenient` (see `Auth`). */
export const authenticate = (mode: Auth): Middleware => ({
  before: async (request) => {
    if (mode === 'none') return;
    const value = header(request.event, 'authorization');
    if (!value) {
      if (mode === 'required') throw unauthorized();
      return;
    }
    const token = BEARER.exec(value)?.[1];
    if (!token && mode === 'lenient') return;
    if (!token) throw unauthorized('Send the access token as "Authorization: Bearer <token>".');
    request.context.http.user = await verifyLiveAccessToken(token).catch((error: unknown) => {
      if (mode === 'lenient' && error instanceof ProblemError) return undefined;
      throw error;
    });
  },
});
