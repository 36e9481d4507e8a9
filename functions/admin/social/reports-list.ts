import { api } from '../../../lib/http/api';
import { listReports as list } from '../../../lib/social/moderation';
import { listReports } from '../../../lib/social/routes';

export const handler = api(listReports, async ({ user, query }) => ({ status: 200, body: await list(user.id, query) }));
