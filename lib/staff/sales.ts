import { db } from '../db';
import { badRequest } from '../http/problem';
import { clubsOf } from './access';
import type { ClubSalesView, SalesFilter } from './schemas';

const DAY = 24 * 60 * 60 * 1000;
/** The longest period asked at once: a year, a leap year's included. */
const LONGEST = 366 * DAY;
const DEFAULT = 30 * DAY;

const isDate = (value: string) => value.length === 10;

/**
 * The period `[from, to)` asked for: a date as `from` starts at its
 * midnight (UTC), a date as `to` ends at the next one, so that
 * `from=2026-11-01&to=2026-11-30` is the whole of November. The last 30
 * days by default; `to` must come after `from`, at most a year after.
 */
export const periodOf = (filter: SalesFilter, now = new Date()) => {
  const to = filter.to ? new Date(Date.parse(filter.to) + (isDate(filter.to) ? DAY : 0)) : now;
  const from = filter.from ? new Date(filter.from) : new Date(to.getTime() - DEFAULT);
  if (to <= from) throw badRequest('The period ends before it starts.', [{ path: 'query.to', message: 'Must be after from' }]);
  if (to.getTime() - from.getTime() > LONGEST) throw badRequest('The period is longer than a year.', [{ path: 'query.from', message: 'Must be at most a year before to' }]);
  return { from, to };
};

/**
 * The club's sales over a period, from its platform accounts' ledger
 * entries, all in one statement (one snapshot, so the parts add up):
 *
 * - tickets: the `ticketing` account's `sale` entries of the club's
 *   matches (`metadata.event_id`), whose fan leg in the same transfer says
 *   the category and the seats, and its `refund` entries, one ticket each
 *   (`metadata {event_id, category, ticket_id}`);
 * - shop: the `shop_revenue` account's `sale` and `refund` entries
 *   (`metadata.order_id`), split by the order's lines into products, of
 *   which only the club's count (a cart may mix clubs): the lines of an
 *   order sum to its entries' amount.
 *
 * Resales between fans move fans' wallets only, never these accounts.
 */
export const salesFigures = async (userId: string, filter: SalesFilter) => {
  const { from, to } = periodOf(filter);
  const sql = db();
  const clubs = await clubsOf(sql, userId, 'admin', filter.club);
  const rows = await sql<ClubSalesView[]>`
    with tickets as (
      select e.club, e.id as event_id, e.title, e.date, coalesce(t.metadata ->> 'category', f.metadata ->> 'category') as category,
             t.type, t.amount, t.created_at, case when t.type = 'sale' then (f.metadata ->> 'quantity')::int else 1 end as seats
      from wallets w
      join transactions t on t.wallet_id = w.id and t.type in ('sale', 'refund') and t.created_at >= ${from} and t.created_at < ${to}
      join events e on e.id = t.metadata ->> 'event_id' and e.club = any(${clubs})
      left join transactions f on t.type = 'sale' and f.transfer_id = t.transfer_id and f.type = 'purchase'
      where w.system = 'ticketing'
    ), shop as (
      select pr.club, pr.id as product_id, pr.name, t.type, t.created_at, (i ->> 'quantity')::int as units,
             sign(t.amount) * (i ->> 'unit_price')::bigint * (i ->> 'quantity')::int as amount
      from wallets w
      join transactions t on t.wallet_id = w.id and t.type in ('sale', 'refund') and t.created_at >= ${from} and t.created_at < ${to}
      join orders o on o.id = (t.metadata ->> 'order_id')::uuid
      cross join jsonb_array_elements(o.items) i
      join products pr on pr.id = i ->> 'product_id' and pr.club = any(${clubs})
      where w.system = 'shop_revenue'
    ), moves as (
      select club, created_at, type, amount, 'tickets' as source from tickets
      union all
      select club, created_at, type, amount, 'shop' from shop
    ), days as (
      select club, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day,
             coalesce(sum(amount) filter (where source = 'tickets'), 0) as tickets_revenue,
             coalesce(sum(amount) filter (where source = 'shop'), 0) as shop_revenue,
             coalesce(-sum(amount) filter (where type = 'refund'), 0) as refunds,
             sum(amount) as revenue
      from moves group by 1, 2
    )
    select c.club,
           coalesce((select json_agg(x order by x.date, x.event_id, x.category) from (
             select event_id, title, date, category,
                    coalesce(sum(seats) filter (where type = 'sale'), 0) as sold, coalesce(sum(seats) filter (where type = 'refund'), 0) as refunded,
                    sum(amount) as revenue
             from tickets where club = c.club group by event_id, title, date, category) x), '[]') as tickets,
           coalesce((select json_agg(x order by x.product_id) from (
             select product_id, name,
                    coalesce(sum(units) filter (where type = 'sale'), 0) as sold, coalesce(sum(units) filter (where type = 'refund'), 0) as refunded,
                    sum(amount) as revenue
             from shop where club = c.club group by product_id, name) x), '[]') as products,
           coalesce((select json_agg(d order by d.day) from (select day, tickets_revenue, shop_revenue, refunds, revenue from days where club = c.club) d), '[]') as days,
           (select json_build_object('tickets_revenue', coalesce(sum(tickets_revenue), 0), 'shop_revenue', coalesce(sum(shop_revenue), 0),
                                     'refunds', coalesce(sum(refunds), 0), 'revenue', coalesce(sum(revenue), 0))
            from days where club = c.club) as totals
    from unnest(${clubs}::text[]) as c (club)
    order by c.club`;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    currency: 'EUR',
    clubs: rows.map((row) => ({ ...row, tickets: row.tickets.map((t) => ({ ...t, date: new Date(t.date).toISOString() })) })),
  };
};
