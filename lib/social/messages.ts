import { db, tx } from '../db';
import { notFound } from '../http/problem';
import type { Reply } from '../http/route';
import { decodeCursor, page } from '../pagination';
import { pushTo } from '../realtime/push';
import { blockedBy, conversationNotFound, messageColumns, messageView, staleFor } from './conversations';
import type { MessageInput, MessageView, PageFilter, ReadMarkerView } from './schemas';

type MessageRow = Omit<MessageView, 'created_at'> & { created_at: Date; seq: number };

/** Messages of a conversation of the fan's, newest first, paged on their order of posting. */
export const listMessages = async (me: string, conversationId: string, filter: PageFilter) => {
  const sql = db();
  const before = decodeCursor(filter.cursor, ['seq'] as const)?.[0];
  const [member] = await sql`select 1 from conversations where id = ${conversationId} and participants @> array[${me}]::uuid[]`;
  if (!member) throw conversationNotFound();
  const rows = await sql<MessageRow[]>`
    select ${messageColumns(sql)}, m.seq
    from messages m join users s on s.id = m.user_id
    where m.conversation_id = ${conversationId} ${before === undefined ? sql`` : sql`and m.seq < ${before}`}
    order by m.seq desc
    limit ${filter.limit + 1}`;
  const result = page(rows, filter.limit, (row) => [row.seq]);
  return { items: result.items.map(({ seq: _seq, ...row }) => messageView(row)), next_cursor: result.next_cursor };
};

/**
 * Posts a message, and pushes it to the participants once it is committed.
 * The conversation's row is locked while posting, so its last message is
 * the last one posted; a message is also read by its sender. A `client_id`
 * the sender already used in this conversation answers the message it
 * posted then (200), so that a resend after a lost answer posts nothing.
 */
export const postMessage = async (me: string, conversationId: string, input: MessageInput): Promise<Reply> => {
  const { message, fresh, participants } = await tx(async (sql) => {
    const [conversation] = await sql<{ participants: string[]; blocked: boolean }[]>`
      select participants, exists (select 1 from user_blocks where blocker_id = any(c.participants) and blocked_id = ${me}) as blocked
      from conversations c
      where id = ${conversationId} and participants @> array[${me}]::uuid[]
      for update`;
    if (!conversation) throw conversationNotFound();
    if (conversation.blocked) throw blockedBy();
    const [posted] = await sql<MessageRow[]>`
      with m as (
        insert into messages (conversation_id, user_id, message, client_id)
        values (${conversationId}, ${me}, ${input.message}, ${input.client_id ?? null})
        on conflict (conversation_id, user_id, client_id) where client_id is not null do nothing
        returning *
      ), touched as (
        update conversations c set last_message = m.message, last_message_at = m.timestamp, updated_at = now()
        from m where c.id = m.conversation_id
      ), seen as (
        insert into conversation_reads (conversation_id, user_id, read_seq)
        select conversation_id, user_id, seq from m
        on conflict (conversation_id, user_id) do update set read_seq = greatest(conversation_reads.read_seq, excluded.read_seq), read_at = now()
      )
      select ${messageColumns(sql)}, m.seq from m join users s on s.id = m.user_id`;
    if (posted) return { message: posted, fresh: true, participants: conversation.participants };
    const [earlier] = await sql<MessageRow[]>`
      select ${messageColumns(sql)}, m.seq from messages m join users s on s.id = m.user_id
      where m.conversation_id = ${conversationId} and m.user_id = ${me} and m.client_id = ${input.client_id!}`;
    return { message: earlier!, fresh: false, participants: conversation.participants };
  });
  const { seq: _seq, ...row } = message;
  const view = messageView(row);
  if (fresh) {
    await staleFor(participants);
    await pushTo(participants, { type: 'message', conversation_id: conversationId, message: view });
  }
  return { status: fresh ? 201 : 200, body: view };
};

/**
 * Marks the conversation read for the fan up to message `upTo` (a marker
 * never moves back), and sends the other participants a read receipt.
 */
export const markRead = async (me: string, conversationId: string, upTo: string): Promise<ReadMarkerView> => {
  const [marker] = await db()<{ read_seq: number; up_to: string; participants: string[]; unread_count: number }[]>`
    with target as (
      select m.seq, c.participants from messages m join conversations c on c.id = m.conversation_id
      where m.id = ${upTo} and m.conversation_id = ${conversationId} and c.participants @> array[${me}]::uuid[]
    ), marked as (
      insert into conversation_reads (conversation_id, user_id, read_seq)
      select ${conversationId}, ${me}, seq from target
      on conflict (conversation_id, user_id) do update set read_seq = greatest(conversation_reads.read_seq, excluded.read_seq), read_at = now()
      returning read_seq
    )
    select marked.read_seq, target.participants,
           (select id from messages where seq = marked.read_seq) as up_to,
           (select count(*)::int from messages where conversation_id = ${conversationId} and user_id <> ${me} and seq > marked.read_seq) as unread_count
    from marked, target`;
  if (!marker) throw notFound('No such conversation of yours, or no such message in it.');
  await staleFor([me]);
  await pushTo(marker.participants.filter((id) => id !== me), { type: 'read', conversation_id: conversationId, user_id: me, up_to: marker.up_to });
  return { conversation_id: conversationId, up_to: marker.up_to, unread_count: marker.unread_count };
};
