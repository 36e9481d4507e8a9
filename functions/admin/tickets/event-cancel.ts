import { api } from '../../../lib/http/api';
import { staffOf } from '../../../lib/staff/act';
import { cancelEvent } from '../../../lib/tickets/cancellation';
import { cancelEvent as route } from '../../../lib/tickets/routes';

export const handler = api(route, (input) => cancelEvent(staffOf(input), input.claim, input.params.id, input.request.workLeftMs));
