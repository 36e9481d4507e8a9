import { createPost as post } from '../../lib/feed/posts';
import { createPost } from '../../lib/feed/routes';
import { api } from '../../lib/http/api';

export const handler = api(createPost, async ({ user, body }) => ({ status: 201, body: await post(user.id, body) }));
