import { api } from '../../lib/http/api';
import { insights } from '../../lib/insights/insights';
import { getInsights } from '../../lib/insights/routes';

export const handler = api(getInsights, async ({ user }) => ({ status: 200, body: await insights(user.id) }));
