import { api } from '../../lib/http/api';
import { getBalance } from '../../lib/wallet/accounts';
import { balance } from '../../lib/wallet/routes';

export const handler = api(balance, async ({ user }) => ({ status: 200, body: await getBalance(user.id) }));
