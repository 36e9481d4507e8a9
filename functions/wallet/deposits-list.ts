import { api } from '../../lib/http/api';
import { listDeposits as list } from '../../lib/wallet/deposit-records';
import { listDeposits } from '../../lib/wallet/routes';

export const handler = api(listDeposits, async ({ user, query }) => ({ status: 200, body: await list(user.id, query) }));
