import { cached, invalidate, keys } from '../cache';
import { db, tx, type Tx } from '../db';
import { ProblemError, notFound, refused } from '../http/problem';
import type { Reply } from '../http/route';
import { cursorTime, decodeCursor, page } from '../pagination';
import { iso } from '../wallet/movement';
import { fanRef } from '../wallet/accounts';
import type { ConversationInput, ConversationView, MessageView, PageFilter } from './schemas';

export const conversationNotFound = () => notFound('No such conversation of yours.');
export const blockedBy = () => new ProblemError(403, 'blocked', 'A fan in this conversation has blocked you.');

type MessageRow = Omit<MessageView, 'created_at'> & { created_at: string | Date };
type ConversationRow = Omit<ConversationView, 'last_message' | 'created_at' | 'updated_at'> & {
  last_message: MessageRow | null;
  created_at: string | Date;
  updated_at: string | Date;
  active_key: string;
};

export const messageView = (row: MessageRow): MessageView => ({ ...row, created_at: iso(row.created_at) });

/** A message's text as fans read it: none once a moderator removed it. */
const shownText = (sql: Tx | ReturnType<typeof db>) => sql`case when m.removed_at is null then m.message else '' end`;

/** A message row's view columns: `m` a message, `s` its sender. */
export const messageColumns = (sql: Tx | ReturnType<typeof db>) => sql`
  m.id, m.conversation_id, json_build_object('id', s.id, 'name', s.name) as sender, ${shownText(sql)} as message,
  m.removed_at is not null as removed, m.client_id, m.timestamp as created_at`;

/** The fan's conversations, as the list shows them, `where` narrowing them further. */
const selectConversations = (me: string, where = db()``) => {
  const sql = db();
  return sql<ConversationRow[]>`
    select c.id, c.title, c.direct_pair is not null as direct, c.created_at, coalesce(c.last_message_at, c.created_at) as updated_at,
           coalesce(c.last_message_at, c.created_at)::text as active_key,
           (select json_agg(json_build_object('id', u.id, 'name', u.name) order by u.name, u.id) from users u where u.id = any(c.participants)) as participants,
           (select json_build_object('id', m.id, 'conversation_id', m.conversation_id, 'sender', json_build_object('id', s.id, 'name', s.name),
                                     'message', ${shownText(sql)}, 'removed', m.removed_at is not null, 'client_id', m.client_id, 'created_at', m.timestamp)
              from messages m join users s on s.id = m.user_id where m.conversation_id = c.id order by m.seq desc limit 1) as last_message,
           (select count(*)::int from messages m
              where m.conversation_id = c.id and m.user_id <> ${me}
                and m.seq > coalesce((select read_seq from conversation_reads r where r.conversation_id = c.id and r.user_id = ${me}), 0)) as unread_count
    from conversations c
    where c.participants @> array[${me}]::uuid[] ${where}`;
};

const conversationView = ({ active_key: _key, last_message, created_at, updated_at, ...row }: ConversationRow): ConversationView => ({
  ...row,
  last_message: last_message && messageView(last_message),
  created_at: iso(created_at),
  updated_at: iso(updated_at),
});

/** The first page is cached whole (up to this many) and sliced per request, as the wallet's statement is. */
const CACHED_FIRST_PAGE = 100;

const loadConversations = async (me: string, limit: number, after?: readonly [string, string]) => {
  const sql = db();
  return sql<ConversationRow[]>`
    ${selectConversations(me, after ? sql`and (coalesce(c.last_message_at, c.created_at), c.id) < (${cursorTime(sql, after[0])}, ${after[1]}::uuid)` : sql``)}
    order by coalesce(c.last_message_at, c.created_at) desc, c.id desc
    limit ${limit + 1}`;
};

/** Latest activity first; the first page comes from `conversations:{id}`, which new messages and reads clear. */
export const listConversations = async (me: string, filter: PageFilter) => {
  const after = decodeCursor(filter.cursor, ['timestamp', 'uuid'] as const);
  const rows = after
    ? await loadConversations(me, filter.limit, after)
    : await cached(keys.conversations(me), () => loadConversations(me, CACHED_FIRST_PAGE));
  const result = page(rows, filter.limit, (row) => [row.active_key, row.id]);
  return { items: result.items.map(conversationView), next_cursor: result.next_cursor };
};

/** The participants of a conversation whose caches a change to it makes stale. */
export const staleFor = (participants: string[]) => invalidate(...participants.map(keys.conversations));

/**
 * Starts a conversation with the fans named (by email or id; the starter is
 * dropped from the list). Two fans have one direct conversation: asking for
 * it again answers the one they have (200).
 */
export const startConversation = async (me: string, input: ConversationInput): Promise<Reply> => {
  const refs = [...new Set(input.participants)].map((ref) => ({ ref, ...fanRef(ref) }));
  const { id, created, participants } = await tx(async (sql) => {
    const fans = await sql<{ id: string; email: string; blocked_me: boolean }[]>`
      select id, email, exists (select 1 from user_blocks where blocker_id = users.id and blocked_id = ${me}) as blocked_me
      from users
      where (id = any(${refs.flatMap((r) => r.userIds)}::uuid[]) or email = any(${refs.flatMap((r) => r.emails)}::text[])) and deleted_at is null`;
    const unknown = refs.filter((r) => !fans.some((f) => r.userIds.includes(f.id) || r.emails.includes(f.email)));
    if (unknown.length) throw notFound(`No fan has this email or id: ${unknown.map((r) => r.ref).join(', ')}.`);
    const others = fans.filter((f) => f.id !== me);
    if (others.length === 0) throw refused('no-one-else', 'Name at least one fan other than yourself.');
    if (others.some((f) => f.blocked_me)) throw blockedBy();
    const members = [me, ...others.map((f) => f.id)];
    const pair = others.length === 1 ? [me, others[0]!.id].sort() : null;
    const [made] = await sql<{ id: string }[]>`
      insert into conversations (participants, title, created_by, direct_pair)
      values (${members}::uuid[], ${input.title ?? null}, ${me}, ${pair}::uuid[])
      on conflict (direct_pair) where direct_pair is not null do nothing
      returning id`;
    if (made) return { id: made.id, created: true, participants: members };
    const [existing] = await sql<{ id: string; participants: string[] }[]>`select id, participants from conversations where direct_pair = ${pair}::uuid[]`;
    return { id: existing!.id, created: false, participants: existing!.participants };
  });
  if (created) await staleFor(participants);
  const [row] = await selectConversations(me, db()`and c.id = ${id}`);
  return { status: created ? 201 : 200, body: conversationView(row!) };
};
