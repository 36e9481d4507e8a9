import { api } from '../../../lib/http/api';
import { listRoles as list } from '../../../lib/staff/roles';
import { listRoles } from '../../../lib/staff/routes';

export const handler = api(listRoles, async ({ user, params }) => ({ status: 200, body: await list(user.id, params.club) }));
