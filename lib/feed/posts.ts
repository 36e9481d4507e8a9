import { feedPages, invalidate } from '../cache';
import { db } from '../db';
import { accountGone, notFound, refused } from '../http/problem';
import type { Reply } from '../http/route';
import { fileReport } from '../social/safety';
import { postJson, toPostView, visiblePosts, type PostJson } from './feed';
import type { PostInput, PostView } from './schemas';

const postNotFound = () => notFound("No post in your club's feed has this id.");

/** Posts to the fan's club feed; a fan without a club has no feed to post to. */
export const createPost = async (userId: string, input: PostInput): Promise<PostView> => {
  const sql = db();
  const [row] = await sql<(Omit<PostJson, 'created_at'> & { created_at: Date | null })[]>`
    with a as (select id, name, club_id from users where id = ${userId} and deleted_at is null),
    p as (
      insert into posts (user_id, club_id, text) select id, club_id, ${input.text} from a where club_id is not null
      returning id, club_id, text, created_at
    )
    select ${postJson(sql, sql`0`, sql`false`)} as post, p.created_at
    from a left join p on true`;
  if (!row) throw accountGone();
  if (!row.created_at) throw refused('no-club', "Posts go to your club's feed: choose your club first (PATCH /api/users/me with a club_id).");
  await invalidate(...feedPages(userId));
  return toPostView({ post: row.post, created_at: row.created_at });
};

/**
 * Likes a post the fan can see, or takes the like back; either again
 * changes nothing and answers the same. The like and the count move in one
 * statement: concurrent likes of one post queue on its row, each adding to
 * the count the one before left, so the count stays the number of likes.
 */
export const setLike = async (userId: string, postId: string, liked: boolean): Promise<PostView> => {
  const sql = db();
  const [row] = await sql<(PostJson & { changed: boolean })[]>`
    with target as (select p.id from ${visiblePosts(sql, userId)} and p.id = ${postId}),
    changed as (
      ${liked
        ? sql`insert into post_likes (post_id, user_id) select id, ${userId} from target on conflict do nothing returning post_id`
        : sql`delete from post_likes where post_id in (select id from target) and user_id = ${userId} returning post_id`}
    ),
    counted as (update posts set like_count = like_count + ${liked ? 1 : -1} where id in (select post_id from changed) returning like_count)
    select ${postJson(sql, sql`coalesce((select like_count from counted), p.like_count)`, liked ? sql`true` : sql`false`)} as post,
           p.created_at, exists (select 1 from counted) as changed
    from target join posts p on p.id = target.id join users a on a.id = p.user_id`;
  if (!row) throw postNotFound();
  if (row.changed) await invalidate(...feedPages(userId));
  return toPostView(row);
};

/** Reports a post the fan can see (not one a moderator removed) to their club's moderators. */
export const reportPost = async (userId: string, postId: string, reason: string): Promise<Reply> => {
  const sql = db();
  const filed = await fileReport(
    userId,
    'post',
    sql`select p.id, p.user_id from ${visiblePosts(sql, userId)} and p.id = ${postId}`,
    reason,
    () => refused('own-post', 'You cannot report your own post.'),
  );
  if (!filed) throw postNotFound();
  return filed;
};
