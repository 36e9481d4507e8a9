import { api } from '../../lib/http/api';
import { postMessage as post } from '../../lib/social/messages';
import { postMessage } from '../../lib/social/routes';

export const handler = api(postMessage, ({ user, params, body }) => post(user.id, params.id, body));
