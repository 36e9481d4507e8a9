import { api } from '../../lib/http/api';
import { getStats } from '../../lib/insights/routes';
import { stats } from '../../lib/insights/stats';

export const handler = api(getStats, async () => ({ status: 200, body: await stats() }));
