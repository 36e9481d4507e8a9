import { db } from '../db';
import { logger } from '../log';
import { newestFirst } from '../pagination';
import { pushEach, pushTo } from '../realtime/push';
import type { NotificationsFilter, NotificationView } from './schemas';

export type NotificationRow = Omit<NotificationView, 'created_at'> & { created_at: Date };

const toView = ({ created_at, ...n }: NotificationRow): NotificationView => ({ ...n, created_at: created_at.toISOString() });

/** The fan's notifications, newest first. */
export const listNotifications = async (userId: string, filter: NotificationsFilter) => {
  const sql = db();
  const keyset = newestFirst(sql, filter.cursor, sql`created_at`, sql`id`);
  const rows = await sql<Array<NotificationRow & { created_key: string }>>`
    select id, kind, payload, created_at, created_at::text as created_key
    from notifications
    where user_id = ${userId}
      ${keyset.after}
    ${keyset.order}
    limit ${filter.limit + 1}`;
  const result = keyset.page(rows, filter.limit);
  return { items: result.items.map(toView), next_cursor: result.next_cursor };
};

/**
 * Pushes a notification that a statement just committed recorded (the SQL
 * functions of the migrations record them) to the fan's open connections:
 * their newest of `kind` whose payload holds `about`. Never throws: what
 * recorded it stands whatever happens here.
 */
export const pushNotification = async (userId: string, kind: string, about: Record<string, string | number>): Promise<void> => {
  try {
    const sql = db();
    const [notification] = await sql<NotificationRow[]>`
      select id, kind, payload, created_at
      from notifications
      where user_id = ${userId} and kind = ${kind} and payload @> ${sql.json(about)}
      order by created_at desc, id desc
      limit 1`;
    if (notification) await pushTo([userId], { type: 'notification', notification: toView(notification) });
  } catch (error) {
    logger.error('push failed', { type: 'notification', kind, error: String(error) });
  }
};

/** Pushes notifications that a transaction just committed, each to its fan's open connections. Never throws. */
export const pushNotifications = (recorded: (NotificationRow & { user_id: string })[]): Promise<void> =>
  pushEach(new Map(recorded.map(({ user_id, ...notification }) => [user_id, { type: 'notification', notification: toView(notification) }])));
