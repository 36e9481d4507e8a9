import { job } from '../../lib/scheduled';
import { cancelAbandonedTopUps } from '../../lib/wallet/deposits';

/** Every 15 minutes: a card top-up unpaid for an hour is cancelled, and stops counting against the limits. */
export const handler = job('cancel-abandoned-top-ups', cancelAbandonedTopUps);
