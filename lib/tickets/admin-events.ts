import type { PendingQuery, Row } from 'postgres';
import { invalidate, keys } from '../cache';
import { db, type Sql, type Tx } from '../db';
import { badRequest, conflict } from '../http/problem';
import type { Claim, Reply } from '../http/route';
import { pushNotifications, type NotificationRow } from '../notifications/notifications';
import { cursorTime, decodeCursor, page } from '../pagination';
import { clubsOf, clubTarget, noClubOfYours, roleIn } from '../staff/access';
import { act, type Staff } from '../staff/act';
import { eventLists } from './events';
import { forgetSale } from './queue';
import { eventNotFound } from './refusals';
import type { AdminEventsFilter, AdminEventView, EventChangeInput, NewEventInput } from './schemas';


type AdminEventRow = Omit<AdminEventView, 'date' | 'on_sale_at' | 'created_at' | 'canceled_at'> & {
  date: Date;
  on_sale_at: Date | null;
  created_at: Date;
  canceled_at: Date | null;
  date_key: string;
};

const toView = ({ date_key: _key, ...row }: AdminEventRow): AdminEventView => ({
  ...row,
  date: row.date.toISOString(),
  on_sale_at: row.on_sale_at && row.on_sale_at.toISOString(),
  created_at: row.created_at.toISOString(),
  canceled_at: row.canceled_at && row.canceled_at.toISOString(),
});

/** Matches with every sale setting and, per category, the seats sold (its capacity less the seats its shards still hold). */
const selectAdminEvents = (sql: Sql | Tx, where: PendingQuery<Row[]>, rest = sql``) => sql<AdminEventRow[]>`
  select e.id, e.club, e.title, e.date, e.date::text as date_key, e.venue, e.country, e.competition, e.hot, e.vip, e.price_from, e.currency,
         e.on_sale_at, e.waiting_room, e.admit_per_minute, e.max_per_fan, e.created_at, e.canceled_at,
         coalesce(sum(c.capacity), 0)::int as capacity, coalesce(sum(c.capacity - c.available), 0)::int as sold,
         coalesce(sum(c.available), 0)::int as seats_available,
         coalesce(json_agg(json_build_object('category', c.category, 'price', c.price, 'capacity', c.capacity,
                                             'sold', c.capacity - c.available, 'left', c.available) order by c.price, c.category)
                    filter (where c.category is not null), '[]') as categories
  from events e left join category_seats c on c.event_id = e.id
  where ${where}
  group by e.id
  ${rest}`;

const adminEvent = async (sql: Sql | Tx, id: string): Promise<AdminEventView | undefined> => {
  const [row] = await selectAdminEvents(sql, sql`e.id = ${id}`);
  return row && toView(row);
};

/** The matches of the clubs the staff member is an admin of, past and future, latest kick-off first. */
export const listAdminEvents = async (userId: string, filter: AdminEventsFilter) => {
  const sql = db();
  const after = decodeCursor(filter.cursor, ['timestamp', 'slug'] as const);
  const clubs = await clubsOf(sql, userId, 'admin', filter.club);
  const rows = await selectAdminEvents(
    sql,
    sql`e.club = any(${clubs}) ${after ? sql`and (e.date, e.id) < (${cursorTime(sql, after[0])}, ${after[1]})` : sql``}`,
    sql`order by e.date desc, e.id desc limit ${filter.limit + 1}`,
  );
  const result = page(rows, filter.limit, (row) => [row.date_key, row.id]);
  return { items: result.items.map(toView), next_cursor: result.next_cursor };
};

/** One match of a club the staff member is an admin of; any other is not found. */
export const getAdminEvent = async (userId: string, id: string): Promise<AdminEventView> => {
  const sql = db();
  const event = await adminEvent(sql, id);
  if (!event || !(await roleIn(sql, userId, event.club, 'admin'))) throw eventNotFound();
  return event;
};

/**
 * After a committed change: the fans' lists and the match's page show it at
 * once, and so does the waiting room's sale in this container (in the
 * others, once the few seconds they keep it are up).
 */
const shown = (sql: Tx, club: string, id: string) =>
  sql.afterCommit(async () => {
    await invalidate(...eventLists(club), keys.onSale(id));
    forgetSale(id);
  });

/** A readable id: the title's words and the kick-off's day, such as `psg-vs-ol-2026-12-20`. */
const slugOf = (title: string, date: string) => {
  const words = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 48).replace(/^-+|-+$/g, '');
  return `${words || 'match'}-${new Date(date).toISOString().slice(0, 10)}`;
};

/** Tries a derived id, then `-2`, `-3`, …; an id the admin chose is theirs or a conflict. */
const SLUG_TRIES = 20;

/**
 * Puts a match on sale (201): the match and its categories, whose seats
 * migration 015's trigger deals into shards, and its `price_from`, the
 * cheapest category's price. A taken id is 409 `event-exists`.
 */
export const createEvent = (staff: Staff, claim: Claim, input: NewEventInput): Promise<Reply> =>
  act(staff, {
    role: 'admin',
    action: 'event.create',
    claim,
    find: (sql) => clubTarget(sql, input.club),
    missing: noClubOfYours(input.club),
    change: async (sql, target) => {
      const { categories, id: chosen, club: _club, ...settings } = input;
      const base = chosen ?? slugOf(input.title, input.date);
      const match = {
        ...settings,
        club: target.club,
        date: new Date(settings.date),
        on_sale_at: settings.on_sale_at === null ? null : new Date(settings.on_sale_at),
        admit_per_minute: settings.admit_per_minute ?? null,
        price_from: Math.min(...categories.map((c) => c.price)),
      };
      let id: string | undefined;
      for (let n = 1; !id && n <= (chosen ? 1 : SLUG_TRIES); n++) {
        const candidate = n === 1 ? base : `${base}-${n}`;
        const [row] = await sql<{ id: string }[]>`insert into events ${sql({ ...match, id: candidate })} on conflict (id) do nothing returning id`;
        id = row?.id;
      }
      if (!id) throw conflict('event-exists', `A match already has the id ${base}: choose another.`);
      await sql`insert into event_categories ${sql(categories.map((c) => ({ ...c, event_id: id, available: c.capacity })))}`;
      const view = (await adminEvent(sql, id))!;
      shown(sql, target.club, id);
      return { status: 201, result: view, before: null, after: view, id };
    },
  });

/** How a kick-off reads in a fan's notification. */
const kickOff = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Changes a match's settings and categories: a category named is repriced
 * (for sales to come: a ticket keeps the price it was bought at), resized
 * under the lock of its shards (never below what it sold: 409
 * `capacity-below-sold`), or added. A new kick-off keeps every ticket as
 * it is, and each fan holding one is told once, also over their WebSocket.
 */
export const updateEvent = async (staff: Staff, id: string, input: EventChangeInput): Promise<Reply> => {
  let told: (NotificationRow & { user_id: string })[] = [];
  const reply = await act(staff, {
    role: 'admin',
    action: 'event.update',
    find: async (sql) => {
      const [event] = await sql<{ id: string; club: string }[]>`select id, club from events where id = ${id} for no key update`;
      return event && { club: event.club, id: event.id };
    },
    missing: eventNotFound,
    change: async (sql, target) => {
      const before = (await adminEvent(sql, id))!;
      // Its holders have their money back and its codes no longer open the gate: nothing is left to change.
      if (before.canceled_at) throw conflict('event-canceled', `This match was cancelled on ${before.canceled_at}: it can no longer be changed.`);
      const { categories, ...settings } = input;
      const date = settings.date ?? before.date;
      const onSaleAt = settings.on_sale_at === undefined ? before.on_sale_at : settings.on_sale_at;
      if (onSaleAt !== null && Date.parse(onSaleAt) >= Date.parse(date)) {
        throw badRequest('The sale must open before the match.', [
          { path: settings.on_sale_at === undefined ? 'body.date' : 'body.on_sale_at', message: 'The sale must open before the match' },
        ]);
      }
      const changed: Record<string, unknown> = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
      if (settings.date !== undefined) changed.date = new Date(settings.date);
      if (settings.on_sale_at !== undefined) changed.on_sale_at = settings.on_sale_at === null ? null : new Date(settings.on_sale_at);
      if (Object.keys(changed).length > 0) await sql`update events set ${sql(changed)} where id = ${id}`;
      for (const [i, category] of (categories ?? []).entries()) {
        const known = before.categories.find((c) => c.category === category.category);
        if (!known) {
          if (category.price === undefined || category.capacity === undefined) {
            throw badRequest(`${category.category} is a new category: give its price and capacity.`, [
              { path: `body.categories.${i}`, message: 'A new category needs its price and capacity' },
            ]);
          }
          await sql`insert into event_categories ${sql({ event_id: id, category: category.category, price: category.price, capacity: category.capacity, available: category.capacity })}`;
          continue;
        }
        if (category.price !== undefined) await sql`update event_categories set price = ${category.price} where event_id = ${id} and category = ${category.category}`;
        if (category.capacity !== undefined) await sql`select event_category_resize(${id}, ${category.category}, ${category.capacity})`;
      }
      if (categories) await sql`update events set price_from = (select min(price) from event_categories where event_id = ${id}) where id = ${id}`;
      if (settings.date !== undefined && Date.parse(settings.date) !== Date.parse(before.date)) told = await tellHolders(sql, id, new Date(before.date), new Date(settings.date));
      const after = (await adminEvent(sql, id))!;
      shown(sql, target.club, id);
      return { result: after, before, after };
    },
  });
  await pushNotifications(told);
  return reply;
};

/** A notification, once per fan holding a ticket and per new kick-off, that the match has moved and their tickets stand. */
const tellHolders = (sql: Tx, id: string, from: Date, to: Date) => sql<(NotificationRow & { user_id: string })[]>`
  insert into notifications (user_id, kind, ref, payload)
  select h.user_id, 'event-rescheduled', ${`${id}@${to.toISOString()}`}, jsonb_build_object(
    'event_id', e.id, 'title', e.title, 'from', ${from.toISOString()}::text, 'to', ${to.toISOString()}::text,
    'message', format('%s moves from %s to %s. Your tickets stay valid.', e.title, ${kickOff(from)}::text, ${kickOff(to)}::text))
  from (select distinct user_id from tickets where event_id = ${id} and status = 'valid') h, events e
  where e.id = ${id}
  on conflict do nothing
  returning user_id, id, kind, payload, created_at`;
