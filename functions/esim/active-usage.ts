import { getUsage as get } from '../../lib/esim/esims';
import { getUsage } from '../../lib/esim/routes';
import { api } from '../../lib/http/api';

export const handler = api(getUsage, async ({ user }) => ({ status: 200, body: await get(user.id) }));
