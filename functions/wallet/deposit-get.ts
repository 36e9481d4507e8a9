import { api } from '../../lib/http/api';
import { getDeposit as get } from '../../lib/wallet/deposit-records';
import { getDeposit } from '../../lib/wallet/routes';

export const handler = api(getDeposit, async ({ user, params }) => ({ status: 200, body: await get(user.id, params.id) }));
