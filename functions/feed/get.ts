import { feed } from '../../lib/feed/feed';
import { getFeed } from '../../lib/feed/routes';
import { api } from '../../lib/http/api';

export const handler = api(getFeed, async ({ user, query }) => ({ status: 200, body: await feed(user.id, query) }));
