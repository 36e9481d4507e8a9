import type { PendingQuery, Row } from 'postgres';
import { cached, FEED_CACHED_PAGES, keys } from '../cache';
import { db, type Sql } from '../db';
import { display } from '../money';
import { iso } from '../wallet/movement';
import { PAGE_SIZE, PAGES_MAX, type FeedFilter, type FeedItemView, type FeedPageView, type PostView } from './schemas';

/**
 * The posts `me` may see, as `p` with its author `a`: their club's, but none
 * a moderator removed, nor between two fans of whom one blocked the other,
 * either way (the blocked must not see the blocker, who does not want to
 * see them either). A FROM clause ending in WHERE: callers go on with `and …`.
 */
export const visiblePosts = (sql: Sql, me: string) => sql`
  posts p
  join users viewer on viewer.id = ${me} and viewer.club_id = p.club_id
  join users a on a.id = p.user_id
  where p.removed_at is null and not exists (
    select 1 from user_blocks b
    where (b.blocker_id, b.blocked_id) in ((viewer.id, p.user_id), (p.user_id, viewer.id)))`;

/**
 * Post `p` by `a` as JSON, all but its `created_at` (which stays a
 * timestamp, for ranking and for `iso`). A write passes the count and the
 * like as its statement leaves them, which its own snapshot cannot show.
 */
export const postJson = (sql: Sql, likeCount: PendingQuery<Row[]>, likedByMe: PendingQuery<Row[]>) => sql`
  json_build_object('id', p.id, 'author', json_build_object('id', a.id, 'name', a.name), 'club', p.club_id, 'text', p.text,
                    'like_count', ${likeCount}, 'liked_by_me', ${likedByMe})`;

export type PostJson = { post: Omit<PostView, 'created_at'>; created_at: Date };
export const toPostView = ({ post, created_at }: PostJson): PostView => ({ ...post, created_at: iso(created_at) });

/**
 * Ranking considers the club's newest posts, as many as all pages together
 * can show, as news aggregators rank only recent stories: the query stays
 * bounded however long the club's history, and a post older than that many
 * others would need far more likes than they have to rank among them.
 */
const RANKED_POSTS = PAGE_SIZE * PAGES_MAX;

/** A feed item's own view, as its branch of the query builds it. */
type View<T extends FeedItemView['type']> = Omit<Extract<FeedItemView, { type: T }>, 'type' | 'score' | 'created_at'>;
type FeedRow = { id: string; score: number; created_at: Date } & (
  | { type: 'post'; view: View<'post'> }
  | { type: 'event'; view: View<'event'> }
  | { type: 'product'; view: Omit<View<'product'>, 'display'> }
);

const toItem = (row: FeedRow): FeedItemView => {
  const ranked = { score: row.score, created_at: iso(row.created_at) };
  switch (row.type) {
    case 'post':
      return { type: row.type, ...row.view, ...ranked };
    case 'event':
      return { type: row.type, ...row.view, date: iso(row.view.date), ...ranked };
    case 'product':
      return { type: row.type, ...row.view, display: display(row.view.price), ...ranked };
  }
};

/**
 * A page of the fan's club timeline: its posts (see `visiblePosts`), its
 * upcoming matches and its merchandise in stock, ranked by gravity, as
 * Hacker News ranks stories:
 *
 *     score = points / (age_hours + 2) ^ 1.8
 *
 * A post's points are its likes + 1 (the author's own, so that a post
 * without likes still ranks by age). A match announced concerns the whole
 * club: 2 points, 4 when it is hot. A product 1 point, plus one per 10 %
 * off. Ties go to the newer, then by id. A fan without a club has an empty
 * feed: there is no club to show, and they cannot post.
 */
const loadPage = async (userId: string, page: number): Promise<FeedPageView> => {
  const sql = db();
  const rows = await sql<FeedRow[]>`
    with fan as (select club_id from users where id = ${userId}),
    items as (
      (select 'post' as type, p.id::text as id, p.created_at, (p.like_count + 1)::float8 as points,
              ${postJson(sql, sql`p.like_count`, sql`exists (select 1 from post_likes l where l.post_id = p.id and l.user_id = ${userId})`)} as view
       from ${visiblePosts(sql, userId)}
       order by p.created_at desc, p.id desc
       limit ${RANKED_POSTS})
      union all
      select 'event', e.id, e.created_at, (case when e.hot then 4 else 2 end)::float8,
             json_build_object('id', e.id, 'title', e.title, 'club', e.club, 'date', e.date, 'venue', e.venue, 'competition', e.competition,
                               'price_from', e.price_from, 'currency', e.currency, 'hot', e.hot, 'vip', e.vip,
                               'seats_available', coalesce((select sum(c.available) from category_seats c where c.event_id = e.id), 0)::int)
      from events e join fan on fan.club_id = e.club
      where e.date > now()
      union all
      select 'product', pr.id, pr.created_at, (1 + pr.discount / 10.0)::float8,
             json_build_object('id', pr.id, 'name', pr.name, 'club', pr.club, 'category', pr.category, 'price', pr.price, 'old_price', pr.old_price,
                               'discount', pr.discount, 'stock', pr.stock, 'nft', pr.nft, 'currency', pr.currency)
      from products pr join fan on fan.club_id = pr.club
      where pr.stock > 0
    )
    select type, id, created_at, points / power(greatest(extract(epoch from now() - created_at)::float8 / 3600, 0) + 2, 1.8) as score, view
    from items
    order by score desc, created_at desc, id desc, type
    limit ${PAGE_SIZE + 1} offset ${(page - 1) * PAGE_SIZE}`;
  const more = rows.length > PAGE_SIZE && page < PAGES_MAX;
  return { items: rows.slice(0, PAGE_SIZE).map(toItem), page, next_page: more ? page + 1 : null };
};

/**
 * The fan's feed, a page at a time; the first pages cached a minute (other
 * fans' posts and likes show within it), under every feed's group, so that
 * a post a moderator removes leaves every cached page at once.
 */
export const feed = (userId: string, { page }: FeedFilter): Promise<FeedPageView> =>
  page <= FEED_CACHED_PAGES ? cached(keys.feed(userId, String(page)), () => loadPage(userId, page), keys.feeds()) : loadPage(userId, page);
