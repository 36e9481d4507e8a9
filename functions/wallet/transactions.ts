import { api } from '../../lib/http/api';
import { listEntries } from '../../lib/wallet/accounts';
import { transactions } from '../../lib/wallet/routes';

export const handler = api(transactions, async ({ user, query }) => ({ status: 200, body: await listEntries(user.id, query) }));
