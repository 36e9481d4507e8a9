import { verifyAccessToken } from '../auth/tokens';
import { unauthorized } from './problem';
import type { Auth } from './route';
import { header, type Middleware } from './types';

const BEARER = /^Bearer +([\w.~+/-]+=*)$/i;

/** Sets `state.user` from a Bearer access token; a bad token is always 401. */
export const authenticate = (mode: Auth): Middleware => ({
  before: async (request) => {
    if (mode === 'none') return;
    const value = header(request.event, 'authorization');
    if (!value) {
      if (mode === 'required') throw unauthorized();
      return;
    }
    const token = BEARER.exec(value)?.[1];
    if (!token) throw unauthorized('Send the access token as "Authorization: Bearer <token>".');
    request.context.http.user = await verifyAccessToken(token);
  },
});
