import { api } from '../../lib/http/api';
import { checkIn as scan } from '../../lib/tickets/checkin';
import { checkIn } from '../../lib/tickets/routes';

export const handler = api(checkIn, async ({ user, body }) => ({ status: 200, body: await scan(user.id, body) }));
