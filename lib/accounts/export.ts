import type { PendingQuery, Row } from 'postgres';
import { tx, type Tx } from '../db';
import { accountGone } from '../http/problem';
import type { Reply } from '../http/route';
import { consume } from '../rate-limit';

/** Another fan as a fan legitimately sees them beside their own data: id and name, never their email. */
const fan = (sql: Tx, alias: string) => sql`json_build_object('id', ${sql(alias)}.id, 'name', ${sql(alias)}.name)`;

/**
 * Each part of the export, as the query that selects it: an object (`one`)
 * or a list (`many`). `me` is the fan.
 */
const sections = (sql: Tx, me: string) => {
  const wallet = sql`(select id from wallets where user_id = ${me})`;
  return {
    profile: one(sql, sql`select id, email, name, club_id, created_at, updated_at from users where id = ${me} and deleted_at is null`),
    club_roles: many(sql, sql`select club_id, role, granted_at from club_roles where user_id = ${me} order by club_id, role`),
    // Sessions without their token hashes: when each began, was used up and ended.
    sessions: many(sql, sql`
      select id, family_id, created_at, expires_at, spent_at, revoked_at from refresh_tokens where user_id = ${me} order by created_at, id`),
    wallet: one(sql, sql`select id, balance, currency, frozen, assets, created_at, updated_at from wallets where user_id = ${me}`),
    ledger: many(sql, sql`
      select t.id, t.seq, t.transfer_id, t.type, t.amount, t.balance_after, t.currency, t.metadata, t.created_at,
             case when c.user_id is not null then ${fan(sql, 'cu')} end as counterparty, c.system as counterparty_account
      from transactions t left join wallets c on c.id = t.counterparty_wallet_id left join users cu on cu.id = c.user_id
      where t.wallet_id = ${wallet} order by t.seq`),
    deposits: many(sql, sql`
      select id, amount, amount_received, currency, method, provider, provider_ref, status, transfer_id, created_at, confirmed_at, canceled_at
      from deposits where user_id = ${me} order by created_at, id`),
    disputes: many(sql, sql`
      select id, deposit_id, amount, taken_back, owed, status, reason, created_at, closed_at from disputes where user_id = ${me} order by created_at, id`),
    money_requests: many(sql, sql`
      select r.id, case when r.requester_id = ${me} then 'requester' else 'payer' end as role, ${fan(sql, 'o')} as other_fan,
             r.amount, r.currency, r.note, r.status, r.transfer_id, r.created_at, r.expires_at, r.settled_at
      from money_requests r join users o on o.id = case when r.requester_id = ${me} then r.payer_id else r.requester_id end
      where r.requester_id = ${me} or r.payer_id = ${me} order by r.created_at, r.id`),
    orders: many(sql, sql`select id, items, total, currency, status, clubs, transfer_id, created_at from orders where user_id = ${me} order by created_at, id`),
    tickets: many(sql, sql`
      select id, event_id, category, price, currency, status, qr_code, nft, blockchain, token_id, transfer_id, created_at, checked_in_at
      from tickets where user_id = ${me} order by created_at, id`),
    ticket_handovers: many(sql, sql`
      select h.id, h.ticket_id, h.kind, case when h.from_user = ${me} then 'given' else 'received' end as direction,
             ${fan(sql, 'o')} as other_fan, h.price, h.transfer_id, h.created_at
      from ticket_handovers h join users o on o.id = case when h.from_user = ${me} then h.to_user else h.from_user end
      where h.from_user = ${me} or h.to_user = ${me} order by h.created_at, h.id`),
    resale_offers: many(sql, sql`
      select r.id, r.ticket_id, r.event_id, case when r.seller_id = ${me} then 'seller' else 'buyer' end as role,
             case when o.id is not null then ${fan(sql, 'o')} end as other_fan, r.price, r.status, r.transfer_id, r.created_at, r.settled_at
      from resale_offers r left join users o on o.id = case when r.seller_id = ${me} then r.buyer_id else r.seller_id end
      where r.seller_id = ${me} or r.buyer_id = ${me} order by r.created_at, r.id`),
    esims: many(sql, sql`
      select id, plan_id, iccid, activation_code, qr_code, activated_at, expires_at, data_total, data_used, usage_at
      from esim_active where user_id = ${me}`),
    // Their own words only: the conversation is named, the others' messages are theirs.
    messages: many(sql, sql`
      select id, conversation_id, message, timestamp as created_at, removed_at from messages where user_id = ${me} order by seq`),
    posts: many(sql, sql`select id, club_id, text, like_count, created_at, removed_at from posts where user_id = ${me} order by created_at, id`),
    likes: many(sql, sql`select post_id, created_at from post_likes where user_id = ${me} order by created_at, post_id`),
    reports: many(sql, sql`
      select id, kind, message_id, post_id, reason, status, created_at, resolved_at from reports where reporter_id = ${me} order by created_at, id`),
    blocks: many(sql, sql`select blocked_id as fan_id, created_at from user_blocks where blocker_id = ${me} order by created_at, blocked_id`),
    recommendations: many(sql, sql`
      select r.id, r.type, r.item, r.title, r.content, r.tags, r.confidence, r.reason, r.created_at, f.feedback
      from ai_recommendations r left join ai_feedback f on f.user_id = r.user_id and f.type = r.type and f.item = r.item
      where r.user_id = ${me} order by r.created_at, r.id`),
    recommendation_feedback: many(sql, sql`select type, item, feedback, created_at from ai_feedback where user_id = ${me} order by created_at, type, item`),
    insights: one(sql, sql`
      select favorite_team, favorite_player, shopping_style, predictions, updated_at from ai_insights where user_id = ${me}`),
    notifications: many(sql, sql`select id, kind, ref, payload, created_at from notifications where user_id = ${me} order by created_at, id`),
  };
};

type Part = PendingQuery<{ json: string }[]>;

/** One row as JSON text, `null` for none. */
const one = (sql: Tx, query: PendingQuery<Row[]>): Part => sql`select coalesce((select row_to_json(r)::text from (${query}) r), 'null') as json`;

/** The rows as a JSON array's text, in the order the query gives. */
const many = (sql: Tx, query: PendingQuery<Row[]>): Part => sql`select coalesce(json_agg(r), '[]')::text as json from (${query}) r`;

/**
 * The export's body. A Lambda behind an HTTP API answers one body of at
 * most 6 MB (no response streaming there), so the aim is that what the
 * function holds stays that one text: Postgres renders each part as JSON,
 * and the parts are joined as text, never parsed into objects and
 * serialised again. The parts are read in one repeatable-read, read-only
 * transaction (pipelined on its connection), so they are of one moment:
 * a payment made meanwhile is in the ledger and the wallet both, or neither.
 */
const render = (userId: string, at: Date): Promise<string> =>
  tx(async (sql) => {
    const parts = Object.entries(sections(sql, userId));
    const texts = await Promise.all(parts.map(async ([name, query]) => `,"${name}":${(await query)[0]!.json}`));
    if (texts[0] === ',"profile":null') throw accountGone();
    return `{"exported_at":${JSON.stringify(at.toISOString())}${texts.join('')}}`;
  }, 'isolation level repeatable read read only');

/** Everything held about the fan, as a file to download (GDPR articles 15 and 20); a few an hour. */
export const exportData = async (userId: string): Promise<Reply> => {
  await consume('data-export-user', userId);
  const at = new Date();
  return {
    status: 200,
    raw: await render(userId, at),
    headers: { 'Content-Disposition': `attachment; filename="paiecashfan-export-${at.toISOString().slice(0, 10)}.json"`, 'Cache-Control': 'no-store' },
  };
};
