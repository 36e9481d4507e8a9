import { mirrorVoids } from '../../lib/auth/revocation';
import { job } from '../../lib/scheduled';

/** Every minute: ended sessions copied to Redis again, in case a copy failed or Redis lost them. */
export const handler = job('mirror-session-voids', () => mirrorVoids());
