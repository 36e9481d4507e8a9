import { db } from '../db';
import { accountGone } from '../http/problem';
import { iso } from '../wallet/movement';
import type { ForecastView, MatchForecastView } from './schemas';

/**
 * Sales are paced over the last week, or since the match went on sale (its
 * announcement or its first sale, whichever came first) if that is more
 * recent: older sales say little of today's demand. The window is at least
 * an hour, so that the first minutes of sales do not project a stampede.
 */
const WINDOW_DAYS = 7;
const WINDOW_MIN_HOURS = 1;
/** The club's next matches that get a forecast: as far ahead as fans plan. */
const MATCHES = 10;

type Seats = { capacity: number; available: number; sold_in_window: number };
type SeatsRow = Seats & {
  club_id: string | null;
  now: Date;
  event_id: string | null;
  title: string;
  date: Date;
  venue: string;
  competition: string;
  category: string;
  window_hours: number;
};

export const round = (value: number, decimals: number) => Number(value.toFixed(decimals));
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * When seats run out at the pace of the window: `seats_left / per_hour`
 * hours from now. Past the match, or with no sale in the window, they do not.
 */
const forecast = ({ capacity, available, sold_in_window }: Seats, windowHours: number, now: Date, match: Date): ForecastView => {
  const perHour = windowHours > 0 ? sold_in_window / windowHours : 0;
  const figures = {
    capacity,
    sold: capacity - available,
    seats_left: available,
    window_hours: round(windowHours, 2),
    sold_in_window,
    per_hour: round(perHour, 3),
  };
  if (available === 0) {
    return { ...figures, hours_to_sell_out: null, sells_out_at: null, outlook: 'sold_out', reason: `Sold out: none of the ${capacity} seats is left.` };
  }
  const pace = `${plural(sold_in_window, 'ticket')} sold in the last ${figures.window_hours} h`;
  if (perHour === 0) {
    return { ...figures, hours_to_sell_out: null, sells_out_at: null, outlook: 'wont_sell_out', reason: `${pace}: the ${available} seats left will not sell out at this pace.` };
  }
  const hours = available / perHour;
  const at = new Date(now.getTime() + hours * 3_600_000);
  const inTime = at < match;
  const left = `${pace} (${figures.per_hour} an hour): at this pace the ${available} seats left`;
  return {
    ...figures,
    hours_to_sell_out: round(hours, 1),
    sells_out_at: iso(at),
    outlook: inTime ? 'sells_out' : 'wont_sell_out',
    reason: inTime
      ? `${left} go in ${round(hours, 1)} h, before the match.`
      : `${left} would take ${round(hours, 1)} h, past the match on ${iso(match)}: it will not sell out.`,
  };
};

const sum = (rows: Seats[]): Seats => ({
  capacity: rows.reduce((n, r) => n + r.capacity, 0),
  available: rows.reduce((n, r) => n + r.available, 0),
  sold_in_window: rows.reduce((n, r) => n + r.sold_in_window, 0),
});

export type Forecasts = { clubId: string | null; now: Date; matches: MatchForecastView[] };

/**
 * Sell-out forecasts for the next matches of the fan's club, per seat
 * category and for the whole match (all its seats at the pace of all its
 * sales). Sold counts the seats taken (capacity − seats left); the pace
 * counts the tickets sold in the window that still stand (not refunded or
 * cancelled). A fan without a club has none.
 */
export const forecastsFor = async (userId: string): Promise<Forecasts> => {
  const rows = await db()<SeatsRow[]>`
    with fan as (select club_id from users where id = ${userId} and deleted_at is null),
    matches as (
      select e.*, least(greatest(on_sale.at, now() - make_interval(days => ${WINDOW_DAYS})), now() - make_interval(hours => ${WINDOW_MIN_HOURS})) as since
      from events e join fan on e.club = fan.club_id
      cross join lateral (select least(e.created_at, min(t.created_at)) as at from tickets t where t.event_id = e.id) on_sale
      where e.date > now()
      order by e.date, e.id
      limit ${MATCHES}
    )
    select fan.club_id, now() as now, m.id as event_id, m.title, m.date, m.venue, m.competition, c.category, c.capacity, c.available,
           extract(epoch from now() - m.since)::float8 / 3600 as window_hours,
           (select count(*)::int from tickets t
            where t.event_id = m.id and t.category = c.category and t.status in ('valid', 'checked_in') and t.created_at >= m.since) as sold_in_window
    from fan left join (matches m join category_seats c on c.event_id = m.id) on true
    order by m.date, m.id, c.price desc, c.category`;
  const [first] = rows;
  if (!first) throw accountGone();
  const byMatch = new Map<string, SeatsRow[]>();
  for (const row of rows) if (row.event_id) byMatch.set(row.event_id, [...(byMatch.get(row.event_id) ?? []), row]);
  const matches = [...byMatch.values()].map((seats): MatchForecastView => {
    const { event_id, title, date, venue, competition, window_hours } = seats[0]!;
    return {
      event_id: event_id!,
      title,
      date: iso(date),
      venue,
      competition,
      total: forecast(sum(seats), window_hours, first.now, date),
      categories: seats.map((s) => ({ category: s.category, ...forecast(s, window_hours, first.now, date) })),
    };
  });
  return { clubId: first.club_id, now: first.now, matches };
};
