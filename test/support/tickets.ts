import { randomBytes } from 'node:crypto';
import { handler as checkInHandler } from '../../functions/tickets/checkin';
import { handler as purchaseHandler } from '../../functions/tickets/purchase';
import { signAccessToken } from '../../lib/auth/tokens';
import { db } from '../../lib/db';
import { stewardEmail } from '../../scripts/seed';
import type { Fan } from './fans';
import { invoke } from './http';
import { key } from './wallet';

/** An event of the test's own, `days` from now, with one category of `capacity` seats at `price`. */
export const newEvent = async (capacity: number, price = 2000, days = 30) => {
  const id = `test-${randomBytes(5).toString('hex')}`;
  await db()`
    insert into events (id, title, club, date, venue, competition, price_from)
    values (${id}, 'OGC Nice vs Test FC', 'OGC_NICE', now() + make_interval(days => ${days}), 'Allianz Riviera', 'Test Cup', ${price})`;
  await db()`insert into event_categories (event_id, category, price, capacity, available) values (${id}, 'tribune', ${price}, ${capacity}, ${capacity})`;
  return id;
};

export const available = async (event: string) =>
  (await db()<{ available: number }[]>`select available from category_seats where event_id = ${event}`)[0]!.available;

export const buy = (fan: Fan, event_id: string, quantity = 1, category = 'tribune', idempotencyKey = key()) =>
  invoke(purchaseHandler, { path: '/api/tickets/purchase', token: fan.token, headers: { 'idempotency-key': idempotencyKey }, body: { event_id, category, quantity } });

/** The demo steward of a club (scripts/seed.ts), signed in. */
export const steward = async (club: string) => {
  const [{ id }] = (await db()`select id from users where email = ${stewardEmail(club)}`) as unknown as [{ id: string }];
  return { id, token: await signAccessToken(id) };
};

export const scan = (token: string, code: string, event_id: string) =>
  invoke(checkInHandler, { path: '/api/tickets/checkin', token, body: { code, event_id } });
