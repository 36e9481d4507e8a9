import { api } from '../../lib/http/api';
import { handOver as give } from '../../lib/tickets/handover';
import { handOver } from '../../lib/tickets/routes';

export const handler = api(handOver, ({ claim, params, body }) => give(claim, params.id, body));
