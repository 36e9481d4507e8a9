import { listPlans as list } from '../../lib/esim/plans';
import { listPlans } from '../../lib/esim/routes';
import { api } from '../../lib/http/api';

export const handler = api(listPlans, async ({ query }) => ({ status: 200, body: await list(query) }));
