import { api } from '../../lib/http/api';
import { unblockFan } from '../../lib/social/routes';
import { setBlock } from '../../lib/social/safety';

export const handler = api(unblockFan, async ({ user, params }) => ({ status: 200, body: await setBlock(user.id, params.id, false) }));
