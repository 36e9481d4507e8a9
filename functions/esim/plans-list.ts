import { listPlans as list } from '../../lib/esim/plans';
import { listPlans } from '../../lib/esim/routes';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(listPlans, async ({ query }) => ({ status: 200, body: await list(query) }));
