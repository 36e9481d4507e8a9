import { api } from '../../../lib/http/api';
import { listAudit as list } from '../../../lib/staff/audit';
import { listAudit } from '../../../lib/staff/routes';

export const handler = api(listAudit, async ({ user, query }) => ({ status: 200, body: await list(user.id, query) }));
