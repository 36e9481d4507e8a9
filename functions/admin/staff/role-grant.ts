import { api } from '../../../lib/http/api';
import { staffOf } from '../../../lib/staff/act';
import { grant } from '../../../lib/staff/roles';
import { grantRole } from '../../../lib/staff/routes';

export const handler = api(grantRole, (input) => grant(staffOf(input), input.params.club, input.body));
