import { api } from '../../lib/http/api';
import { payRequest as pay } from '../../lib/wallet/requests';
import { payRequest } from '../../lib/wallet/routes';

export const handler = api(payRequest, async ({ sql, user, params }) => ({ status: 200, body: await pay(sql, user.id, params.id) }));
