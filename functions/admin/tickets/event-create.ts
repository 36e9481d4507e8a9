import { api } from '../../../lib/http/api';
import { staffOf } from '../../../lib/staff/act';
import { createEvent } from '../../../lib/tickets/admin-events';
import { adminCreateEvent } from '../../../lib/tickets/routes';

export const handler = api(adminCreateEvent, (input) => createEvent(staffOf(input), input.claim, input.body));
