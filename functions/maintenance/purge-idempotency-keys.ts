import { purgeExpiredKeys } from '../../lib/http/idempotency';
import { job } from '../../lib/scheduled';

/** Hourly: idempotency keys live 24 hours; older rows only take space. */
export const handler = job('purge-idempotency-keys', async () => ({ purged: await purgeExpiredKeys() }));
