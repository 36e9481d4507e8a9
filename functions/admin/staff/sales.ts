import { api } from '../../../lib/http/api';
import { salesFigures } from '../../../lib/staff/routes';
import { salesFigures as figures } from '../../../lib/staff/sales';

export const handler = api(salesFigures, async ({ user, query }) => ({ status: 200, body: await figures(user.id, query) }));
