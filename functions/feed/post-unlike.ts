import { setLike } from '../../lib/feed/posts';
import { unlikePost } from '../../lib/feed/routes';
import { api } from '../../lib/http/api';

export const handler = api(unlikePost, async ({ user, params }) => ({ status: 200, body: await setLike(user.id, params.id, false) }));
