import { api } from '../../lib/http/api';
import { payRequest as pay } from '../../lib/wallet/requests';
import { payRequest } from '../../lib/wallet/routes';

export const handler = api(payRequest, ({ claim, params }) => pay(claim, params.id));
