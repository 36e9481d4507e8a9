import * as z from 'zod/mini';
import { schema } from '../http/schemas';

/** What a client may send up its socket: messages are posted over HTTP, so only a keep-alive. */
export const ClientFrame = /* @__PURE__ */ schema(() => z.strictObject({ action: z.literal('ping') }));
