import { job } from '../../lib/scheduled';
import { resumeCancellations } from '../../lib/tickets/cancellation';

/** Every minute: the refunds of cancelled matches go on from where they were left, until done. */
export const handler = job('resume-cancellations', () => resumeCancellations());
