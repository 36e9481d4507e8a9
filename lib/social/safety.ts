import { feedPages, invalidate } from '../cache';
import { db } from '../db';
import { notFound, refused } from '../http/problem';
import type { Reply } from '../http/route';
import { iso } from '../wallet/movement';
import type { BlockView, ReportView } from './schemas';

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

type ReportRow = Omit<ReportView, 'created_at'> & { created_at: string };

/**
 * Files a report of a message for moderation, by a participant of its
 * conversation, once: reporting it again answers the report filed (200).
 */
export const reportMessage = async (me: string, messageId: string, reason: string): Promise<Reply> => {
  const [found] = await db()<{ own: boolean; filed: ReportRow | null; earlier: ReportRow | null }[]>`
    with target as (
      select m.id, m.user_id from messages m join conversations c on c.id = m.conversation_id
      where m.id = ${messageId} and c.participants @> array[${me}]::uuid[]
    ), filed as (
      insert into message_reports (message_id, reporter_id, reason)
      select id, ${me}, ${reason} from target where user_id <> ${me}
      on conflict (message_id, reporter_id) do nothing
      returning id, message_id, reason, status, created_at
    )
    select target.user_id = ${me} as own,
           (select to_json(filed) from filed) as filed,
           (select json_build_object('id', r.id, 'message_id', r.message_id, 'reason', r.reason, 'status', r.status, 'created_at', r.created_at)
              from message_reports r where r.message_id = target.id and r.reporter_id = ${me}) as earlier
    from target`;
  if (!found) throw notFound('No such message in a conversation of yours.');
  if (found.own) throw refused('own-message', 'You cannot report your own message.');
  const report = found.filed ?? found.earlier!;
  return { status: found.filed ? 201 : 200, body: { ...report, created_at: iso(report.created_at) } };
};
