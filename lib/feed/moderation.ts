import { invalidate, keys } from '../cache';
import type { Tx } from '../db';
import { notFound } from '../http/problem';
import type { Reply } from '../http/route';
import { closeReports } from '../social/safety';
import { act, type Staff } from '../staff/act';

/**
 * Hides a post from every fan: it leaves the feed and its likes no longer
 * change (both read `visiblePosts`), and every cached feed page is dropped
 * once this commits, through their group: its fans are too many to name.
 */
export const hidePost = async (sql: Tx, postId: string): Promise<{ text: string }> => {
  const [post] = await sql<{ text: string }[]>`update posts set removed_at = coalesce(removed_at, now()) where id = ${postId} returning text`;
  sql.afterCommit(() => invalidate(keys.feeds()));
  return post!;
};

/** A post of the club's feed, locked against a concurrent resolution of its reports; none once removed. */
const lockPost = async (sql: Tx, postId: string) => {
  const [post] = await sql<{ id: string; club_id: string }[]>`
    select id, club_id from posts where id = ${postId} and removed_at is null for update`;
  return post;
};

/** A moderator (or admin) of the post's club removes it from its feed; its open reports are actioned. */
export const removePost = async (staff: Staff, postId: string): Promise<Reply> => {
  await act(staff, {
    role: 'moderator',
    action: 'post.remove',
    find: async (sql) => {
      const post = await lockPost(sql, postId);
      return post && { club: post.club_id, id: post.id };
    },
    missing: () => notFound('No such post in the feed of a club you moderate.'),
    change: async (sql) => {
      const { text } = await hidePost(sql, postId);
      const reports = await closeReports(sql, 'post', postId, 'actioned', staff.userId);
      return { status: 204, result: null, before: { text, removed: false }, after: { removed: true, reports_actioned: reports } };
    },
  });
  return { status: 204 };
};
