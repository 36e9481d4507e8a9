import { db } from '../db';
import { decodeCursor, page } from '../pagination';
import type { NotificationsFilter, NotificationView } from './schemas';

/** The fan's notifications, newest first. */
export const listNotifications = async (userId: string, filter: NotificationsFilter) => {
  const sql = db();
  const after = decodeCursor(filter.cursor, ['timestamp', 'uuid'] as const);
  const rows = await sql<Array<Omit<NotificationView, 'created_at'> & { created_at: Date; created_key: string }>>`
    select id, kind, payload, created_at, created_at::text as created_key
    from notifications
    where user_id = ${userId}
      ${after ? sql`and (created_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
    order by created_at desc, id desc
    limit ${filter.limit + 1}`;
  const result = page(rows, filter.limit, (r) => [r.created_key, r.id]);
  return {
    items: result.items.map(({ created_key: _key, created_at, ...n }) => ({ ...n, created_at: created_at.toISOString() })),
    next_cursor: result.next_cursor,
  };
};
