import * as z from 'zod/mini';
import { schema } from '../http/schemas';

/**
 * What a client may send up its socket: messages are posted over HTTP, so
 * only a keep-alive, and a fresh access token before the one the connection
 * was opened or renewed with expires.
 */
export const ClientFrame = /* @__PURE__ */ schema(() =>
  z.discriminatedUnion('action', [z.strictObject({ action: z.literal('ping') }), z.strictObject({ action: z.literal('renew'), token: z.string() })]),
);
