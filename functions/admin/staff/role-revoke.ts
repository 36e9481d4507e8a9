import { api } from '../../../lib/http/api';
import { staffOf } from '../../../lib/staff/act';
import { revoke } from '../../../lib/staff/roles';
import { revokeRole } from '../../../lib/staff/routes';

export const handler = api(revokeRole, (input) => revoke(staffOf(input), input.params.club, input.params.user, input.params.role));
