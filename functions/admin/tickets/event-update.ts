import { api } from '../../../lib/http/api';
import { staffOf } from '../../../lib/staff/act';
import { updateEvent } from '../../../lib/tickets/admin-events';
import { adminUpdateEvent } from '../../../lib/tickets/routes';

export const handler = api(adminUpdateEvent, (input) => updateEvent(staffOf(input), input.params.id, input.body));
