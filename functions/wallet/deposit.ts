import { api } from '../../lib/http/api';
import { deposit as topUp } from '../../lib/wallet/deposits';
import { deposit } from '../../lib/wallet/routes';

export const handler = api(deposit, ({ claim, body }) => topUp(claim, body));
