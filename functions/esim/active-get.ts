import { getActive as get } from '../../lib/esim/esims';
import { getActive } from '../../lib/esim/routes';
import { api } from '../../lib/http/api';

export const handler = api(getActive, async ({ user }) => ({ status: 200, body: await get(user.id) }));
