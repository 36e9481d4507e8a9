import { db, type Sql, type Tx } from '../db';
import { conflict, notFound } from '../http/problem';
import type { Reply } from '../http/route';
import { hidePost } from '../feed/moderation';
import { cursorTime, decodeCursor, page } from '../pagination';
import { pushTo } from '../realtime/push';
import { clubsOf } from '../staff/access';
import { act, type Staff } from '../staff/act';
import { iso } from '../wallet/movement';
import { staleFor } from './conversations';
import { closeReports, type ReportedKind } from './safety';
import type { ReportedItemView, ReportsFilter, ResolveAction, ResolutionView } from './schemas';

const reportNotFound = () => notFound('No such report in a club you moderate.');

/**
 * Reports `r` with what each is about, message `m` or post `p`, by author
 * `a`, in the club whose moderators clear it (`clubOf`): a post's feed's
 * club, a message's author's club (the fans of a club are its moderators'
 * to answer for, wherever they write).
 */
const reported = (sql: Sql | Tx) => sql`
  reports r
  left join messages m on m.id = r.message_id
  left join posts p on p.id = r.post_id
  join users a on a.id = coalesce(m.user_id, p.user_id)`;
const clubOf = (sql: Sql | Tx) => sql`coalesce(p.club_id, a.club_id)`;

type QueueRow = Omit<ReportedItemView, 'item' | 'first_reported_at' | 'resolved_at' | 'reports'> & {
  item: Omit<ReportedItemView['item'], 'created_at'> & { created_at: string };
  reports: (Omit<ReportedItemView['reports'][number], 'created_at'> & { created_at: string })[];
  first_reported_at: Date;
  first_key: string;
  resolved_at: Date | null;
};

/**
 * The moderation queue of the staff member's clubs: each reported message
 * or post once, with its reports of the status asked (open by default),
 * oldest first, as a queue is worked through.
 */
export const listReports = async (userId: string, filter: ReportsFilter) => {
  const sql = db();
  const after = decodeCursor(filter.cursor, ['timestamp', 'uuid'] as const);
  const clubs = await clubsOf(sql, userId, 'moderator', filter.club);
  const rows = await sql<QueueRow[]>`
    select (array_agg(r.id order by r.created_at, r.id))[1] as id, r.kind, r.status, ${clubOf(sql)} as club,
           json_build_object('id', coalesce(m.id, p.id), 'text', coalesce(m.message, p.text), 'author', json_build_object('id', a.id, 'name', a.name),
                             'created_at', coalesce(m.timestamp, p.created_at), 'removed', coalesce(m.removed_at, p.removed_at) is not null) as item,
           json_agg(json_build_object('id', r.id, 'reporter', json_build_object('id', u.id, 'name', u.name), 'reason', r.reason, 'created_at', r.created_at)
                    order by r.created_at, r.id) as reports,
           min(r.created_at) as first_reported_at, min(r.created_at)::text as first_key, max(r.resolved_at) as resolved_at
    from ${reported(sql)} join users u on u.id = r.reporter_id
    where r.status = ${filter.status} and ${clubOf(sql)} = any(${clubs})
    group by r.kind, r.status, m.id, p.id, a.id
    ${after ? sql`having (min(r.created_at), coalesce(m.id, p.id)) > (${cursorTime(sql, after[0])}, ${after[1]}::uuid)` : sql``}
    order by min(r.created_at), coalesce(m.id, p.id)
    limit ${filter.limit + 1}`;
  const result = page(rows, filter.limit, (row) => [row.first_key, row.item.id]);
  return { items: result.items.map(toView), next_cursor: result.next_cursor };
};

const toView = ({ first_key: _key, item, reports, first_reported_at, resolved_at, ...row }: QueueRow): ReportedItemView => ({
  ...row,
  item: { ...item, created_at: iso(item.created_at) },
  reports: reports.map((r) => ({ ...r, created_at: iso(r.created_at) })),
  first_reported_at: iso(first_reported_at),
  resolved_at: resolved_at && iso(resolved_at),
});

/**
 * Hides a message: it stays in its place in the conversation, its text no
 * longer shown (`messageColumns`). Once this commits, its participants'
 * cached conversation lists, whose last message it may be, are dropped,
 * and their open sockets told, so that apps drop the text they hold.
 */
const hideMessage = async (sql: Tx, messageId: string): Promise<{ text: string }> => {
  const [message] = await sql<{ text: string; conversation_id: string; participants: string[] }[]>`
    update messages m set removed_at = coalesce(m.removed_at, now())
    from conversations c
    where m.id = ${messageId} and c.id = m.conversation_id
    returning m.message as text, m.conversation_id, c.participants`;
  const { text, conversation_id, participants } = message!;
  sql.afterCommit(async () => {
    await staleFor(participants);
    await pushTo(participants, { type: 'message_removed', conversation_id, message_id: messageId });
  });
  return { text };
};

/** The report, in its club, with its item locked: two moderators resolving reports of one item take turns. */
const findReport = async (sql: Tx, reportId: string) => {
  const [found] = await sql<{ id: string; kind: ReportedKind; item_id: string; club: string | null }[]>`
    select r.id, r.kind, coalesce(r.message_id, r.post_id) as item_id, ${clubOf(sql)} as club
    from ${reported(sql)}
    where r.id = ${reportId}`;
  if (!found?.club) return undefined;
  await (found.kind === 'message'
    ? sql`select 1 from messages where id = ${found.item_id} for update`
    : sql`select 1 from posts where id = ${found.item_id} for update`);
  return { club: found.club, id: found.id };
};

/**
 * A moderator's decision on a report, which stands for every open report
 * of the same item: `dismiss` leaves the item be; `remove` hides it from
 * every fan at once. A report already resolved is a conflict.
 */
export const resolveReport = (staff: Staff, reportId: string, action: ResolveAction): Promise<Reply> =>
  act(staff, {
    role: 'moderator',
    action: action === 'dismiss' ? 'report.dismiss' : 'report.remove',
    find: (sql) => findReport(sql, reportId),
    missing: reportNotFound,
    change: async (sql) => {
      // Read once the item is locked: a resolution that went first shows.
      const [report] = await sql<{ kind: ReportedKind; item_id: string; status: string }[]>`
        select kind, coalesce(message_id, post_id) as item_id, status from reports where id = ${reportId}`;
      const { kind, item_id, status: was } = report!;
      if (was !== 'open') throw conflict('report-resolved', `This report was already ${was}.`);
      const removed = action === 'remove' ? await (kind === 'message' ? hideMessage(sql, item_id) : hidePost(sql, item_id)) : undefined;
      const status = removed ? 'actioned' : 'dismissed';
      const resolved = await closeReports(sql, kind, item_id, status, staff.userId);
      const result: ResolutionView = { id: reportId, status, kind, item_id, removed: Boolean(removed), resolved };
      return { result, before: { status: 'open', kind, item_id, ...removed }, after: { status, kind, item_id, removed: Boolean(removed), resolved } };
    },
  });
