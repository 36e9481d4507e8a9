import type { PendingQuery, Row } from 'postgres';
import { feedPages, invalidate } from '../cache';
import { db, type Tx } from '../db';
import { notFound, refused } from '../http/problem';
import type { Reply } from '../http/route';
import { iso } from '../wallet/movement';
import type { BlockView } from './schemas';

const fanNotFound = () => notFound('No fan has this id.');

/**
 * Blocks or unblocks a fan; either again answers the same. A block is read
 * where it matters (a new message, a new conversation, the feed), so it
 * takes effect at once.
 */
export const setBlock = async (me: string, otherId: string, blocked: boolean): Promise<BlockView> => {
  if (otherId === me) throw refused('self-block', 'You cannot block or unblock yourself.');
  const sql = db();
  const [fan] = await sql<{ id: string; name: string }[]>`
    with fan as (select id, name from users where id = ${otherId}),
    changed as (
      ${blocked
        ? sql`insert into user_blocks (blocker_id, blocked_id) select ${me}, id from fan on conflict do nothing`
        : sql`delete from user_blocks where blocker_id = ${me} and blocked_id in (select id from fan)`}
    )
    select id, name from fan`;
  if (!fan) throw fanNotFound();
  // Each one's posts leave (or come back to) the other's feed.
  await invalidate(...feedPages(me), ...feedPages(otherId));
  return { user: fan, blocked };
};

/** A message or post that fans report. */
export type ReportedKind = 'message' | 'post';

/** The column of `reports` that names an item of this kind. */
const itemColumn = (kind: ReportedKind) => (kind === 'message' ? 'message_id' : 'post_id');

type ReportRow = { id: string; item_id: string; reason: string; status: string; created_at: string };

/**
 * Files a report of a message or post for moderation, by a fan who can see
 * it (`target`: its id and author, none when they cannot), once: reporting
 * it again answers the report filed (200). Undefined when there is no such
 * item for them; a fan cannot report their own.
 */
export const fileReport = async (me: string, kind: ReportedKind, target: PendingQuery<Row[]>, reason: string, own: () => Error): Promise<Reply | undefined> => {
  const sql = db();
  const item = itemColumn(kind);
  const [found] = await sql<{ own: boolean; filed: ReportRow | null; earlier: ReportRow | null }[]>`
    with target as (${target}), filed as (
      insert into reports (${sql(item)}, reporter_id, reason)
      select id, ${me}, ${reason} from target where user_id <> ${me}
      on conflict (${sql(item)}, reporter_id) do nothing
      returning id, ${sql(item)} as item_id, reason, status, created_at
    )
    select target.user_id = ${me} as own,
           (select to_json(filed) from filed) as filed,
           (select json_build_object('id', r.id, 'item_id', r.${sql(item)}, 'reason', r.reason, 'status', r.status, 'created_at', r.created_at)
              from reports r where r.${sql(item)} = target.id and r.reporter_id = ${me}) as earlier
    from target`;
  if (!found) return undefined;
  if (found.own) throw own();
  const { item_id, ...report } = found.filed ?? found.earlier!;
  return { status: found.filed ? 201 : 200, body: { ...report, [item]: item_id, created_at: iso(report.created_at) } };
};

/** Reports a message of a conversation of the fan's (not one a moderator removed). */
export const reportMessage = async (me: string, messageId: string, reason: string): Promise<Reply> => {
  const sql = db();
  const filed = await fileReport(
    me,
    'message',
    sql`select m.id, m.user_id from messages m join conversations c on c.id = m.conversation_id
        where m.id = ${messageId} and m.removed_at is null and c.participants @> array[${me}]::uuid[]`,
    reason,
    () => refused('own-message', 'You cannot report your own message.'),
  );
  if (!filed) throw notFound('No such message in a conversation of yours.');
  return filed;
};

/** Resolves every open report of an item at once (as one moderator's decision); the ids of those it resolved. */
export const closeReports = async (sql: Tx, kind: ReportedKind, itemId: string, status: 'dismissed' | 'actioned', by: string): Promise<string[]> => {
  const rows = await sql<{ id: string }[]>`
    update reports set status = ${status}, resolved_by = ${by}, resolved_at = now()
    where ${sql(itemColumn(kind))} = ${itemId} and status = 'open'
    returning id`;
  return rows.map((r) => r.id).sort();
};
