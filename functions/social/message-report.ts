import { api } from '../../lib/http/api';
import { reportMessage } from '../../lib/social/routes';
import { reportMessage as report } from '../../lib/social/safety';

export const handler = api(reportMessage, ({ user, params, body }) => report(user.id, params.id, body.reason));
