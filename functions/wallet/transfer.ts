import { api } from '../../lib/http/api';
import { transfer } from '../../lib/wallet/routes';
import { transfer as pay } from '../../lib/wallet/transfers';

export const handler = api(transfer, ({ claim, body }) => pay(claim, body));
