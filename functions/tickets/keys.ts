import { publicApi } from '../../lib/http/api';
import { publicKeys } from '../../lib/tickets/codes';
import { getKeys } from '../../lib/tickets/routes';

export const handler = publicApi(getKeys, async () => ({ status: 200, body: publicKeys() }));
