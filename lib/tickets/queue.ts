import type { Redis } from '@upstash/redis';
import { readGrant, signGrant } from '../auth/tokens';
import { cached, keys } from '../cache';
import { config } from '../config';
import { db } from '../db';
import { notFound, ProblemError, unavailable } from '../http/problem';
import type { Reply } from '../http/route';
import { logger } from '../log';
import { pushTo } from '../realtime/push';
import { redis } from '../redis';
import { passRequired, queuePath } from './refusals';
import type { QueueView } from './schemas';

/** What a match's waiting room and its purchases need to know of it; `false`: no such match. */
export type OnSale = {
  id: string;
  club: string;
  date: string;
  on_sale_at: string | null;
  waiting_room: boolean;
  admit_per_minute: number | null;
  max_per_fan: number;
  /** A cancelled match's waiting room is closed. */
  canceled_at: string | null;
};

/** What this container read lately, and until when it holds: a crowd asks about one match thousands of times a second. */
const recent = new Map<string, { sale: Promise<OnSale | false>; until: number }>();
const RECENT_MS = 5000;

/** Read by everyone waiting: from this container's memory (5 s), else Redis, from Postgres once a minute at most. */
export const onSale = (eventId: string): Promise<OnSale | false> => {
  const now = Date.now();
  const known = recent.get(eventId);
  if (known && known.until > now) return known.sale;
  const sale = cached(keys.onSale(eventId), async () => {
    const [row] = await db()<OnSale[]>`
      select id, club, date, on_sale_at, waiting_room, admit_per_minute, max_per_fan, canceled_at from events where id = ${eventId}`;
    const at = (time: string | null) => time && new Date(time).toISOString();
    return row ? { ...row, date: at(row.date)!, on_sale_at: at(row.on_sale_at), canceled_at: at(row.canceled_at) } : false;
  });
  if (recent.size > 1000) recent.clear();
  recent.set(eventId, { sale, until: now + RECENT_MS });
  sale.catch(() => recent.delete(eventId));
  return sale;
};

/** After a change to the match's sale: this container reads it afresh at once, the others once their RECENT_MS are up. */
export const forgetSale = (eventId: string): void => void recent.delete(eventId);

/** How long an admitted fan's pass is good for: a purchase, with 3-D Secure-free wallet payment, takes seconds. */
const PASS_TTL_MS = 5 * 60_000;
const PASS_AUDIENCE = 'paiecashfan-queue-pass';
const PRE_QUEUE = 1e9;

/** A waiting room's keys in Redis (not cache: they are its state), kept until a day after the match. */
const roomKeys = (eventId: string) =>
  ['order', 'arrivals', 'passes', 'issued', 'sold', 'told'].map((part) => `queue:${eventId}:${part}`);

/*
 * One call per join or poll, all in Redis. `order` ranks the fans: those who
 * joined before the sale opened by a random draw among themselves (below
 * PRE_QUEUE), later ones by arrival (PRE_QUEUE and up). As the sale goes,
 * the first `rate × minutes` of them are admitted, each with a pass that
 * expires; a pass not used in time (still in `passes`) sends its holder to
 * the back, and the next fan moves up into the place. `issued` keeps each
 * pass's expiry, so the same pass is handed out again; `sold` is set once
 * the match is sold out; `told` counts the admitted fans pushed over the
 * WebSocket. Answers {status, rank, admitted, pass expiry, fans to tell}.
 *
 * KEYS: order, arrivals, passes, issued, sold, told.
 * ARGV: fan, now, opening (ms), per minute, join (1|0), draw (0..1), pass ttl (ms), kept until (ms).
 */
const ROOM = `local fan, now, opening, rate = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[5] == '1' and not redis.call('zscore', KEYS[1], fan) then
  local score
  if now < opening then score = math.floor(tonumber(ARGV[6]) * ${PRE_QUEUE}) else score = ${PRE_QUEUE} + redis.call('incr', KEYS[2]) end
  redis.call('zadd', KEYS[1], 'NX', score, fan)
end
local lapsed = redis.call('zrangebyscore', KEYS[3], '-inf', now)
for _, other in ipairs(lapsed) do
  redis.call('zrem', KEYS[3], other)
  redis.call('hdel', KEYS[4], other)
  redis.call('zadd', KEYS[1], 'XX', ${PRE_QUEUE} + redis.call('incr', KEYS[2]), other)
end
for i = 1, #KEYS do redis.call('pexpireat', KEYS[i], ARGV[8]) end
local rank = redis.call('zrank', KEYS[1], fan)
if redis.call('get', KEYS[5]) then return {'sold_out', rank or -1, 0, 0, {}} end
if not rank then return {'none', -1, 0, 0, {}} end
local admitted = 0
if now >= opening then admitted = math.floor((now - opening) * rate / 60000) end
local told = math.max(0, tonumber(redis.call('get', KEYS[6]) or '0') - #lapsed)
local tell = {}
if admitted > told then
  tell = redis.call('zrange', KEYS[1], told, math.min(admitted, told + 100) - 1)
  redis.call('set', KEYS[6], told + #tell, 'PXAT', ARGV[8])
end
if rank >= admitted then return {'waiting', rank, admitted, 0, tell} end
local expiry = tonumber(redis.call('hget', KEYS[4], fan) or '0')
if expiry == 0 then
  expiry = now + tonumber(ARGV[7])
  redis.call('hset', KEYS[4], fan, expiry)
  redis.call('zadd', KEYS[3], expiry, fan)
end
if expiry <= now then return {'closed', rank, admitted, expiry, tell} end
return {'admitted', rank, admitted, expiry, tell}`;

type Room = [status: 'waiting' | 'admitted' | 'sold_out' | 'closed' | 'none', rank: number, admitted: number, expiry: number, tell: string[]];

const scripts = new WeakMap<Redis, ReturnType<Redis['createScript']>>();
const roomScript = (client: Redis) => scripts.get(client) ?? scripts.set(client, client.createScript(ROOM)).get(client)!;

/** Redis is the waiting room: without it, the doors stay shut rather than open. */
const roomUnavailable = (error?: unknown) => {
  if (error) logger.error('waiting room unavailable', { error: String(error) });
  return unavailable('The waiting room cannot be reached; retry shortly.');
};

const inRedis = async <T>(call: (client: Redis) => Promise<T>): Promise<T> => {
  const client = redis();
  if (!client) throw roomUnavailable();
  try {
    return await call(client);
  } catch (error) {
    throw roomUnavailable(error);
  }
};

/** The match of a waiting room, or 404. */
const saleOf = async (eventId: string): Promise<OnSale> => {
  const sale = await onSale(eventId);
  if (!sale) throw notFound('No event has this id.');
  return sale;
};

/**
 * Seconds until the next look is worth it: half the wait, from 2 s up to 10
 * minutes. Those far back, who are most of a big crowd, then cost little:
 * the looks a second are about 2 × (fans admitted a second) × ln(300) plus
 * (fans waiting) / 600, whatever the crowd (docs/capacity.md).
 */
const pollAfter = (waitSeconds: number) => Math.min(600, Math.max(2, Math.ceil(waitSeconds / 2)));

/**
 * Joins the match's waiting room (`join`), or looks where the fan stands in
 * it: their place, the fans ahead, the wait (and Retry-After while waiting),
 * and once admitted their pass. Joining again answers the same place. Redis
 * only; fans newly admitted meanwhile are told over their WebSocket.
 */
export const queue = async (userId: string, eventId: string, join: boolean): Promise<Reply> => {
  const { view, retryAfter } = await place(userId, eventId, join);
  return { status: 200, body: view, ...(retryAfter ? { headers: { 'Retry-After': String(retryAfter) } } : {}) };
};

const place = async (userId: string, eventId: string, join: boolean): Promise<{ view: QueueView; retryAfter?: number }> => {
  const sale = await saleOf(eventId);
  const closed = (status: 'closed' | 'sold_out'): QueueView => ({
    event_id: eventId,
    status,
    position: null,
    ahead: null,
    estimated_wait_s: null,
    pass: null,
    pass_expires_at: null,
    ...(status === 'sold_out' ? { resale: `/api/tickets/resale?event_id=${eventId}` } : {}),
  });
  const now = Date.now();
  if (!sale.waiting_room || sale.canceled_at || Date.parse(sale.date) <= now) return { view: closed('closed') };
  const opening = sale.on_sale_at ? Date.parse(sale.on_sale_at) : 0;
  const rate = sale.admit_per_minute ?? config.queueAdmitPerMinute();
  const keptUntil = Date.parse(sale.date) + 86_400_000;
  const [status, rank, admitted, expiry, tell] = await inRedis((client) =>
    roomScript(client).exec(roomKeys(eventId), [userId, String(now), String(opening), String(rate), join ? '1' : '0', String(Math.random()), String(PASS_TTL_MS), String(keptUntil)]),
  ) as Room;
  if (tell.length > 0) await pushTo(tell, { type: 'queue', event_id: eventId, status: 'admitted', queue: queuePath(eventId) });
  if (status === 'none') throw notFound(`You are not in this waiting room: join it with POST ${queuePath(eventId)}.`);
  if (status === 'sold_out' || status === 'closed') return { view: closed(status) };
  const ahead = Math.max(0, rank - admitted);
  const wait = Math.max(0, Math.ceil((opening - now) / 1000)) + Math.ceil((ahead * 60) / rate);
  const view: QueueView = { event_id: eventId, status, position: rank + 1, ahead, estimated_wait_s: status === 'admitted' ? 0 : wait, pass: null, pass_expires_at: null };
  if (status === 'waiting') return { view, retryAfter: pollAfter(wait) };
  const expires = new Date(expiry);
  return { view: { ...view, pass: await signGrant(PASS_AUDIENCE, userId, { evt: eventId }, expires), pass_expires_at: expires.toISOString() } };
};

export const passInvalid = () =>
  new ProblemError(403, 'queue-pass-invalid', 'This pass is not valid for you and this match, or has expired: look at your place in the waiting room.');

/**
 * Before a purchase: a match behind a waiting room is bought with the fan's
 * pass, refused without one (no database touched) or with one that is not
 * theirs for this match, or expired. A pass used is taken out of the
 * waiting room's watch, so that its place is not handed on. Answers whether
 * the purchase comes with a pass.
 */
export const admission = async (userId: string, eventId: string, pass: string | undefined): Promise<boolean> => {
  if (pass === undefined) {
    const sale = await onSale(eventId);
    // A cancelled match's purchase is refused as such, not sent to a closed waiting room.
    if (sale && sale.waiting_room && !sale.canceled_at) {
      throw passRequired(eventId);
    }
    return false;
  }
  const claims = await readGrant(PASS_AUDIENCE, pass);
  if (!claims || claims.sub !== userId || claims.evt !== eventId) throw passInvalid();
  await inRedis((client) => client.zrem(roomKeys(eventId)[2]!, userId));
  return true;
};

/** After the last seat is sold: every fan still waiting hears it at their next look. */
export const soldOut = async (eventId: string): Promise<void> => {
  try {
    await inRedis((client) => client.set(roomKeys(eventId)[4]!, '1', { ex: 86_400 }));
  } catch (error) {
    logger.warn('sold out not told to the waiting room', { event_id: eventId, error: String(error) });
  }
};
