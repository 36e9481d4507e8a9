import { cached, keys, type CacheKey } from '../cache';
import { db } from '../db';
import { badRequest, notFound } from '../http/problem';
import type { EventDetailView, EventsFilter, EventView } from './schemas';

type EventRow = Omit<EventView, 'date'> & { date: Date | string };

const toView = (row: EventRow): EventView => ({ ...row, date: new Date(row.date).toISOString() });

/** Events with their seats left (the sum of their categories'), by date; a list leaves out the cancelled ones, which sell nothing. */
const loadEvents = (club: string | undefined, id?: string) => {
  const sql = db();
  return sql<EventRow[]>`
    select e.id, e.title, e.club, e.date, e.venue, e.competition, e.price_from, e.currency, e.hot, e.vip,
           coalesce((select sum(available) from category_seats c where c.event_id = e.id), 0)::int as seats_available
    from events e
    where true
      ${club ? sql`and e.club = ${club}` : sql``}
      ${id ? sql`and e.id = ${id}` : sql`and e.canceled_at is null`}
    order by e.date, e.id`;
};

/** A club's events (or every club's), cached whole per club; the other filters and the pages apply to that list. */
export const listEvents = async (filter: EventsFilter) => {
  const all = await cached(keys.events(filter.club ?? '*'), () => loadEvents(filter.club));
  const from = filter.from ? Date.parse(filter.from) : Date.now();
  const upcoming = all.filter(
    (e) => new Date(e.date).getTime() >= from && (filter.competition === undefined || e.competition.toLowerCase() === filter.competition.toLowerCase()),
  );
  let start = 0;
  if (filter.cursor !== undefined) {
    start = upcoming.findIndex((e) => e.id === filter.cursor) + 1;
    if (start === 0) throw badRequest('The cursor is not one this API issued.', [{ path: 'query.cursor', message: 'Invalid cursor' }]);
  }
  const items = upcoming.slice(start, start + filter.limit);
  const more = start + filter.limit < upcoming.length;
  return { items: items.map(toView), next_cursor: more ? items[items.length - 1]!.id : null };
};

/** One event with its categories and the seats left in each. */
export const getEvent = async (id: string): Promise<EventDetailView> => {
  const [event] = await loadEvents(undefined, id);
  if (!event) throw notFound('No event has this id.');
  const sql = db();
  const categories = await sql<EventDetailView['categories']>`
    select category, price, capacity, available from category_seats where event_id = ${id} order by price, category`;
  const [sale] = await sql<{ on_sale_at: Date | null; waiting_room: boolean; max_per_fan: number; canceled_at: Date | null }[]>`
    select on_sale_at, waiting_room, max_per_fan, canceled_at from events where id = ${id}`;
  return {
    ...toView(event),
    categories,
    ...sale!,
    on_sale_at: sale!.on_sale_at && sale!.on_sale_at.toISOString(),
    canceled_at: sale!.canceled_at && sale!.canceled_at.toISOString(),
  };
};

/** The cached lists an event appears in. */
export const eventLists = (club: string): CacheKey[] => [keys.events(club), keys.events('*')];
