import * as z from 'zod/mini';
import { PageQuery, schema } from '../http/schemas';

export const NotificationsQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery }));

export const Notification = /* @__PURE__ */ schema(() =>
  z.object({ id: z.string(), kind: z.string(), payload: z.record(z.string(), z.unknown()), created_at: z.string() }),
);
export const NotificationPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Notification), next_cursor: z.nullable(z.string()) }));

export type NotificationsFilter = z.infer<typeof NotificationsQuery>;
export type NotificationView = z.infer<typeof Notification>;
