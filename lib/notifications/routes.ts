import { route } from '../http/route';
import { NotificationPage, NotificationsQuery } from './schemas';

export const listNotifications = /* @__PURE__ */ route({
  operationId: 'listNotifications',
  method: 'GET',
  path: '/api/notifications',
  summary: "The fan's notifications (low eSIM data, …), newest first",
  tags: ['notifications'],
  auth: 'required',
  query: NotificationsQuery,
  responses: { 200: { description: 'A page of notifications', schema: NotificationPage } },
});
