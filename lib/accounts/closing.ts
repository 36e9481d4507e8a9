import { feedPages, invalidate, keys, type CacheKey } from '../cache';
import { tx, type Tx } from '../db';
import { accountGone, ProblemError } from '../http/problem';
import { display } from '../money';
import { proveOwnPassword } from '../auth/passwords';
import { endSessions } from '../auth/sessions';
import { insightsKey, predictionsKey } from '../insights/keys';
import { recommendationsKey } from '../recommendations/keys';
import type { CloseAccountInput } from './schemas';

/** What the tombstone is shown as, wherever another fan reads a name: their conversations, the feed, a payment. */
export const DELETED_FAN = 'Deleted fan';

/** Why an account cannot be closed yet, each with its figures. */
type Reason = { reason: string; [figure: string]: unknown };

type Holdings = { balance: number; frozen: boolean; upcoming_tickets: number; open_offers: number; open_disputes: number; owed: number; payable_deposits: number };

/**
 * What still ties the fan to the service. Money in the wallet is theirs
 * (closing would keep it); a ticket to come or an offer still open would be
 * paid or refunded into a wallet no one can spend; a disputed top-up is
 * owed or may still be; a top-up under way may yet be paid.
 */
const reasonsNotToClose = (h: Holdings): Reason[] => [
  ...(h.balance > 0 ? [{ reason: 'wallet-balance', balance: h.balance, currency: 'EUR', display: display(h.balance),
    detail: `Your wallet holds ${display(h.balance)} EUR: spend it or send it to another fan first.` }] : []),
  ...(h.upcoming_tickets > 0 ? [{ reason: 'upcoming-tickets', tickets: h.upcoming_tickets,
    detail: `You hold ${h.upcoming_tickets} ticket(s) for matches still to be played (or cancelled and not yet refunded): give them away or resell them first.` }] : []),
  ...(h.open_offers > 0 ? [{ reason: 'open-resale-offers', offers: h.open_offers,
    detail: `You have ${h.open_offers} ticket(s) offered for resale: withdraw the offer(s) first.` }] : []),
  ...(h.open_disputes > 0 || h.owed > 0 || h.frozen ? [{ reason: 'unsettled-disputes', open_disputes: h.open_disputes, owed: h.owed, display_owed: display(h.owed),
    detail: `A disputed card top-up is not settled: ${h.open_disputes} dispute(s) open, ${display(h.owed)} EUR owed.` }] : []),
  ...(h.payable_deposits > 0 ? [{ reason: 'top-up-in-progress', deposits: h.payable_deposits,
    detail: `${h.payable_deposits} card top-up(s) may still be paid: finish or abandon them first (an abandoned one ends within the hour).` }] : []),
];

/**
 * The fan's wallet, then their row, locked in that order: a payment to them
 * (which holds the wallet, then waits on their row: migration 024) is then
 * either seen here or refused there, never both missed.
 */
const holdings = async (sql: Tx, me: string): Promise<Holdings | undefined> => {
  await sql`select 1 from wallets where user_id = ${me} for update`;
  const [row] = await sql<Holdings[]>`
    select w.balance, w.frozen,
      (select count(*)::int from tickets t join events e on e.id = t.event_id
        where t.user_id = u.id and t.status = 'valid' and (e.date > now() or e.canceled_at is not null)) as upcoming_tickets,
      (select count(*)::int from resale_offers where seller_id = u.id and status = 'listed') as open_offers,
      (select count(*)::int from disputes where user_id = u.id and status = 'open') as open_disputes,
      (select coalesce(sum(owed), 0)::bigint from disputes where user_id = u.id) as owed,
      (select count(*)::int from deposits where user_id = u.id and canceled_at is null and status in ('pending', 'failed')) as payable_deposits
    from users u join wallets w on w.user_id = u.id
    where u.id = ${me} and u.deleted_at is null
    for update of u`;
  return row;
};

/**
 * Erases the person and keeps the tombstone the ledger, orders, tickets and
 * other fans' conversations point at; their sessions are ended beforehand.
 * Answers the fans whose conversation lists name them.
 */
const erase = async (sql: Tx, me: string): Promise<string[]> => {
  const [, companions] = await Promise.all([
    sql`delete from ws_connections where user_id = ${me}`,
    sql<{ id: string }[]>`select distinct unnest(participants) as id from conversations where participants @> array[${me}]::uuid[]`,
    // `.invalid` (RFC 2606) is never delivered; the id keeps it unique, and the address free to register again.
    sql`update users set email = 'deleted+' || id || '@invalid', name = ${DELETED_FAN}, password = '', club_id = null, updated_at = now(), deleted_at = now()
        where id = ${me}`,
    sql`delete from club_roles where user_id = ${me}`,
    sql`delete from ai_insights where user_id = ${me}`,
    sql`delete from ai_recommendations where user_id = ${me}`,
    sql`delete from ai_feedback where user_id = ${me}`,
    sql`delete from cart where user_id = ${me}`,
    sql`delete from esim_active where user_id = ${me}`,
    sql`delete from notifications where user_id = ${me}`,
    sql`delete from user_blocks where blocker_id = ${me} or blocked_id = ${me}`,
    sql`delete from conversation_reads where user_id = ${me}`,
    // Stored answers of their requests, which name them.
    sql`delete from idempotency_keys where user_id = ${me}`,
    sql`update money_requests set status = 'cancelled', settled_at = now() where (requester_id = ${me} or payer_id = ${me}) and status = 'pending'`,
    // Their words on a request or a payment: gone from every copy (migration 024 lets a note, and nothing else, leave an entry).
    // A note another fan wrote them stays that fan's, on the entries of both.
    sql`update money_requests set note = null where requester_id = ${me} and note is not null`,
    sql`
      update transactions t set metadata = t.metadata - 'note'
      where t.metadata ? 'note' and t.transfer_id in (
        select transfer_id from transactions
        where wallet_id = (select id from wallets where user_id = ${me}) and type in ('send', 'request_received') and metadata ? 'note')`,
  ]);
  return companions.map((c) => c.id);
};

/** Every cache that holds the fan, or their name in another fan's view. */
const cachesOf = (me: string, companions: string[]): CacheKey[] => [
  keys.user(me), keys.walletBalance(me), keys.transactions(me), keys.esimActive(me), keys.cart(me), keys.tickets(me),
  ...feedPages(me), keys.feeds(), recommendationsKey(me), insightsKey(me), predictionsKey(me),
  ...[me, ...companions].map(keys.conversations),
];

/**
 * Closes the fan's account (GDPR article 17), with their password, once
 * nothing ties them to the service (409 lists what does). Wrong passwords
 * are counted per fan. After it, their email is free, their sessions are
 * revoked and their sockets closed.
 */
export const closeAccount = async (me: string, input: CloseAccountInput): Promise<void> => {
  await proveOwnPassword(me, input.password);
  await tx(async (sql) => {
    const held = await holdings(sql, me);
    if (!held) throw accountGone();
    const reasons = reasonsNotToClose(held);
    if (reasons.length > 0) {
      throw new ProblemError(409, 'account-in-use', `The account cannot be closed yet. ${reasons.map((r) => r.detail).join(' ')}`, { reasons });
    }
    // Every session and access token ends, and the sockets are closed once this commits: read before their rows go.
    await endSessions(sql, me);
    const companions = await erase(sql, me);
    sql.afterCommit(() => invalidate(...cachesOf(me, companions)));
  });
};
