import { api } from '../../../lib/http/api';
import { resolveReport as resolve } from '../../../lib/social/moderation';
import { resolveReport } from '../../../lib/social/routes';
import { staffOf } from '../../../lib/staff/act';

export const handler = api(resolveReport, (input) => resolve(staffOf(input), input.params.id, input.body.action));
