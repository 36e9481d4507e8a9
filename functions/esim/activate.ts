import { activate as buy } from '../../lib/esim/esims';
import { activate } from '../../lib/esim/routes';
import { api } from '../../lib/http/api';

export const handler = api(activate, ({ claim, body }) => buy(claim, body.plan_id));
