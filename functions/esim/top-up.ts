import { topUp as add } from '../../lib/esim/esims';
import { topUp } from '../../lib/esim/routes';
import { api } from '../../lib/http/api';

export const handler = api(topUp, ({ claim, body }) => add(claim, body.plan_id));
