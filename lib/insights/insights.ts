import { cached } from '../cache';
import { db } from '../db';
import { accountGone } from '../http/problem';
import { display, euros } from '../money';
import { iso } from '../wallet/movement';
import { forecastsFor, plural, round } from './forecasts';
import { insightsKey } from './keys';
import type { FavoritePlayerView, FavoriteTeamView, InsightsView, ShoppingStyleView } from './schemas';

/** Choosing a club says as much as holding this many tickets for its matches. */
const CLUB_WEIGHT = 3;

type Team = FavoriteTeamView['figures']['clubs'][number];

/** What the fan bought, as integers: cents, counts and calendar months. */
type Figures = {
  /** The fan's club and the clubs of the matches they hold tickets for, favourite first. */
  teams: Team[];
  /** Units bought per player named by a product, most first. */
  players: { name: string; purchases: number }[];
  /** Cents spent per shop category, and on `tickets`. */
  spend: Record<string, number>;
  orders: number;
  order_total: number;
  items: number;
  items_on_discount: number;
  tickets: number;
  months: number;
};

/**
 * The fan's purchases: shop orders that stand (paid, shipped or delivered;
 * not cancelled or refunded), and the tickets they hold (valid or checked
 * in), at face value. An item counts as bought on discount when it was paid
 * less than its product's former price. Months are calendar months (UTC)
 * from the first purchase's to this one, both counted.
 */
const figuresOf = async (userId: string): Promise<Figures> => {
  const [row] = await db()<Figures[]>`
    with fan as (select club_id from users where id = ${userId} and deleted_at is null),
    placed as (select total, items, created_at from orders where user_id = ${userId} and status in ('paid', 'shipped', 'delivered')),
    lines as (
      select l.quantity, l.unit_price * l.quantity as cents, p.category, p.player, l.unit_price < p.old_price as on_discount
      from placed o
      cross join jsonb_to_recordset(o.items) as l (product_id text, unit_price bigint, quantity int)
      left join products p on p.id = l.product_id
    ),
    held as (
      select t.price, t.created_at, e.club
      from tickets t join events e on e.id = t.event_id
      where t.user_id = ${userId} and t.status in ('valid', 'checked_in')
    ),
    teams as (
      select c.id as club_id, c.name, c.id is not distinct from fan.club_id as chosen,
             (select count(*)::int from held h where h.club = c.id) as tickets
      from fan join clubs c on c.id = fan.club_id or c.id in (select club from held)
    ),
    spend as (
      select coalesce(category, 'other') as category, sum(cents) as cents from lines group by 1
      union all
      select 'tickets', sum(price) from held having count(*) > 0
    )
    select
      (select coalesce(json_agg(t order by score desc, chosen desc, tickets desc, club_id), '[]')
       from (select club_id, name, chosen, tickets, tickets + case when chosen then ${CLUB_WEIGHT} else 0 end as score from teams) t) as teams,
      (select coalesce(json_agg(p order by purchases desc, name), '[]')
       from (select player as name, sum(quantity)::int as purchases from lines where player is not null group by player) p) as players,
      (select coalesce(json_object_agg(category, cents), '{}') from spend) as spend,
      (select count(*)::int from placed) as orders,
      (select coalesce(sum(total), 0)::bigint from placed) as order_total,
      (select coalesce(sum(quantity), 0)::int from lines) as items,
      (select coalesce(sum(quantity) filter (where on_discount), 0)::int from lines) as items_on_discount,
      (select count(*)::int from held) as tickets,
      (select coalesce((date_part('year', now() at time zone 'UTC') - date_part('year', min(at) at time zone 'UTC')) * 12
                       + date_part('month', now() at time zone 'UTC') - date_part('month', min(at) at time zone 'UTC') + 1, 0)::int
       from (select created_at as at from placed union all select created_at from held) bought) as months
    from fan`;
  if (!row) throw accountGone();
  return row;
};

/** The club that scores most: the fan's own counts `CLUB_WEIGHT`, each ticket held for a club's match 1; ties go to the fan's own. */
const favoriteTeam = ({ teams, tickets }: Figures): FavoriteTeamView | null => {
  const [top, next] = teams;
  if (!top) return null;
  const counted = [top.chosen && `your club (+${CLUB_WEIGHT})`, top.tickets > 0 && `${plural(top.tickets, 'ticket')} of your ${tickets} for its matches (+${top.tickets})`];
  const runnerUp = next ? `; next is ${next.name} with ${next.score}` : '';
  return {
    club_id: top.club_id,
    name: top.name,
    reason: `${top.name} scores ${top.score}: ${counted.filter(Boolean).join(' and ')}${runnerUp}.`,
    figures: { club_weight: CLUB_WEIGHT, clubs: teams },
  };
};

/** The player most of the items bought are about; ties go by name. */
const favoritePlayer = ({ players }: Figures): FavoritePlayerView | null => {
  const [top] = players;
  if (!top) return null;
  const withPlayer = players.reduce((n, p) => n + p.purchases, 0);
  return {
    name: top.name,
    purchases: top.purchases,
    items_with_player: withPlayer,
    reason: `You bought ${plural(top.purchases, 'item')} about ${top.name}, of ${plural(withPlayer, 'item')} that name a player.`,
  };
};

const share = (part: number, whole: number) => (whole > 0 ? round(part / whole, 3) : 0);

/** Shares of the money spent per category (largest first), the average order, the share of items bought on discount, spend per month. */
const shoppingStyle = ({ spend, orders, order_total, items, items_on_discount, tickets, months }: Figures): ShoppingStyleView => {
  const spent = Object.values(spend).reduce((n, cents) => n + cents, 0);
  const basket = orders > 0 ? Math.round(order_total / orders) : 0;
  const perMonth = months > 0 ? Math.round(spent / months) : 0;
  const categories = Object.entries(spend).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return {
    category_shares: Object.fromEntries(categories.map(([category, cents]) => [category, share(cents, spent)])),
    average_basket_cents: basket,
    average_basket: display(basket),
    discount_share: share(items_on_discount, items),
    spend_per_month_cents: perMonth,
    spend_per_month: display(perMonth),
    spent_cents: spent,
    months,
    orders,
    tickets,
    items,
    items_on_discount,
    reason:
      orders + tickets === 0
        ? 'Nothing bought yet.'
        : `${euros(spent)} on ${plural(orders, 'order')} and ${plural(tickets, 'ticket')} in ${plural(months, 'month')}: ${euros(perMonth)} a month; ` +
          `${euros(basket)} per order on average; ${items_on_discount} of ${plural(items, 'item')} bought on discount.`,
  };
};

/** Works the insights out afresh and keeps them in `ai_insights`, the fan's one row. */
const loadInsights = async (userId: string): Promise<InsightsView> => {
  const [figures, { matches }] = await Promise.all([figuresOf(userId), forecastsFor(userId)]);
  const insights = { favorite_team: favoriteTeam(figures), favorite_player: favoritePlayer(figures), shopping_style: shoppingStyle(figures), predictions: matches };
  const sql = db();
  // The fields go in as one JSON document: a null favourite is stored as JSON null, which the columns (not null) hold.
  const [{ updated_at }] = (await sql`
    insert into ai_insights (user_id, favorite_team, favorite_player, shopping_style, predictions, updated_at)
    select ${userId}, v -> 'favorite_team', v -> 'favorite_player', v -> 'shopping_style', v -> 'predictions', now()
    from (select ${sql.json(insights)}::jsonb as v) computed
    on conflict (user_id) do update set
      favorite_team = excluded.favorite_team, favorite_player = excluded.favorite_player, shopping_style = excluded.shopping_style,
      predictions = excluded.predictions, updated_at = excluded.updated_at
    returning updated_at`) as unknown as [{ updated_at: Date }];
  return { ...insights, updated_at: iso(updated_at) };
};

/**
 * The fan's favourite team and player, shopping style and the sell-out
 * forecasts of their club's matches, cached 30 minutes: a purchase shows in
 * them within that time.
 */
export const insights = (userId: string): Promise<InsightsView> => cached(insightsKey(userId), () => loadInsights(userId));
