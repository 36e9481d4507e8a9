import { reportPost as report } from '../../lib/feed/posts';
import { reportPost } from '../../lib/feed/routes';
import { api } from '../../lib/http/api';

export const handler = api(reportPost, ({ user, params, body }) => report(user.id, params.id, body.reason));
