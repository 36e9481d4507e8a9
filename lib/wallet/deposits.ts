import { db, localTimeouts, type Sql } from '../db';
import type { Claim, Reply } from '../http/route';
import { logger } from '../log';
import { count } from '../metrics';
import { display } from '../money';
import { pushNotification } from '../notifications/notifications';
import { paymentProvider } from '../payments/provider';
import type { WebhookReceiptView } from '../payments/schemas';
import type { PaymentEvent, PaymentProvider } from '../payments/types';
import { recordView, type DepositRow } from './deposit-records';
import { balanceAfter, shardOf, type Posted } from './ledger';
import { answer, freshResult, iso, movement, post, refuse, type MovementCall, type Refusal } from './movement';
import { DAILY_DEPOSIT_MAX, DEPOSIT_MAX, walletRefusals } from './refusals';
import type { DepositInput, DepositView, PendingDepositView } from './schemas';

/** Over €1,000, or under what the provider collects: refused before anything is locked. */
const outOfBounds = (amount: number, provider: PaymentProvider): Refusal | undefined =>
  amount > DEPOSIT_MAX ? { refusal: 'deposit-limit' }
  : amount < provider.minimum ? { refusal: 'deposit-minimum', minimum: provider.minimum }
  : undefined;

/**
 * Tops up a wallet. The payment provider collects the money: the simulated
 * one of local runs receives it at once, and the deposit is credited in the
 * statement that opens it (201, the old API's answer); a real one leaves it
 * pending (202) with the payment the app completes, and only its signed
 * confirmation credits the wallet (`recordPaymentEvent`). The limits count
 * pending deposits too.
 */
export const deposit = async (claim: Claim, input: DepositInput): Promise<Reply> => {
  const provider = paymentProvider();
  const refusal = outOfBounds(input.amount, provider);
  if (refusal) return answer(await refuse(claim, 422, refusal), walletRefusals, () => undefined);
  return provider.name === 'simulated' ? receivedAtOnce(claim, input) : collected(claim, input, provider);
};

/** Migration 014's wallet_deposit, as the fan's movement calls it: opened and credited from the card-funding account at once. */
export const depositCall = (userId: string, input: DepositInput): MovementCall => (sql, c) => sql`
  select wallet_deposit(${c}, ${shardOf(userId)}, ${input.amount}, ${input.method}, ${DAILY_DEPOSIT_MAX}) as outcome`;

/** A top-up the simulated provider received at once: one movement. */
const receivedAtOnce = async (claim: Claim, input: DepositInput): Promise<Reply> => {
  const settled = await movement<Posted & { deposit_id: string }>(claim, depositCall(claim.userId, input));
  if (freshResult(settled)) {
    count('Deposits');
    count('DepositAmountCents', input.amount);
  }
  return answer(settled, walletRefusals, (posted): DepositView => ({
    id: posted.deposit_id,
    amount: input.amount,
    currency: 'EUR',
    display: display(input.amount),
    method: input.method,
    status: 'succeeded',
    balance: balanceAfter(posted, claim.userId),
    created_at: iso(posted.created_at),
  }));
};

/**
 * Opened pending under the fan's key (migration 014's wallet_deposit_pending),
 * then its payment from the provider, whose id is recorded on the deposit.
 * A retry with the same key replays the deposit as first answered, with the
 * same payment: retrieved once recorded, else created again under the
 * provider's own idempotency key (a crash between the two, or the provider
 * down the first time, which answered 503).
 */
const collected = async (claim: Claim, input: DepositInput, provider: Extract<PaymentProvider, { name: 'stripe' }>): Promise<Reply> => {
  const settled = await movement<{ deposit: DepositRow }>(claim, (sql, c) => sql`
    select wallet_deposit_pending(${c}, ${input.amount}, ${input.method}, ${provider.name}, ${DAILY_DEPOSIT_MAX}) as outcome`);
  if (settled.status !== 202) return answer(settled, walletRefusals, () => undefined);
  const opened = (settled.result as { deposit: DepositRow }).deposit;
  const sql = db();
  const known = settled.replayed
    ? (await sql<{ provider_ref: string | null }[]>`select provider_ref from deposits where id = ${opened.id}`)[0]?.provider_ref ?? undefined
    : undefined;
  const payment = await provider.collect({ deposit_id: opened.id, user_id: claim.userId, amount: opened.amount, currency: opened.currency }, known);
  if (!known) await sql`update deposits set provider_ref = ${payment.payment_intent_id} where id = ${opened.id} and provider_ref is null`;
  return answer(settled, walletRefusals, ({ deposit }): PendingDepositView => ({ deposit: recordView(deposit), payment }));
};

/** What a provider's event did, as migration 014's deposit_* functions answer it. */
type EventOutcome = { outcome: Exclude<WebhookReceiptView['outcome'], 'ignored'>; deposit_id?: string; user_id?: string; amount?: number };

const statementOf = (sql: Sql, event: Exclude<PaymentEvent, { kind: 'ignored' }>) => {
  const call =
    event.kind === 'paid' ? sql`deposit_paid(${event.deposit}, ${event.payment}, ${event.received})`
    : event.kind === 'failed' ? sql`deposit_failed(${event.deposit}, ${event.payment}, ${event.final})`
    : event.kind === 'disputed' ? sql`deposit_disputed(${event.dispute}, ${event.payment}, ${event.amount}, ${event.reason})`
    : sql`deposit_dispute_closed(${event.dispute}, ${event.payment}, ${event.won})`;
  // No claim sets the lock wait here (behind a pooler, nothing else would): concurrent deliveries queue on the deposit.
  return sql`select ${call} as outcome from ${localTimeouts(sql)}`;
};

/** The notification each outcome recorded, pushed to the fan's open connections. */
const NOTIFIED: Partial<Record<EventOutcome['outcome'], string>> = {
  credited: 'deposit-credited',
  disputed: 'deposit-disputed',
  closed: 'deposit-dispute-closed',
};

/**
 * A provider's signed event, applied once: a payment received credits its
 * deposit with the amount received (one movement, however often the event
 * is delivered), a failed one marks it failed, a chargeback takes the money
 * back as far as the wallet allows and freezes its payments, a dispute
 * closed settles that. An event the API has no deposit for, or does not act
 * on, is acknowledged and logged: the provider would otherwise resend it
 * for days.
 */
export const recordPaymentEvent = async (event: PaymentEvent): Promise<WebhookReceiptView> => {
  if (event.kind === 'ignored') {
    logger.info('payment event ignored', { event_id: event.id, type: event.type, why: event.why });
    return { received: true, outcome: 'ignored' };
  }
  const settled = await post<EventOutcome>((sql) => statementOf(sql, event));
  const outcome = settled.result as EventOutcome;
  if (outcome.outcome === 'unknown') logger.warn('payment event for nothing this API knows', { event_id: event.id, type: event.type });
  if (outcome.outcome === 'credited') {
    count('Deposits');
    count('DepositAmountCents', outcome.amount!);
  }
  if (outcome.outcome === 'disputed') count('Chargebacks');
  const kind = NOTIFIED[outcome.outcome];
  if (kind) await pushNotification(outcome.user_id!, kind, { deposit_id: outcome.deposit_id! });
  return { received: true, outcome: outcome.outcome };
};

/** How long a card top-up may wait for its payment: a checkout with 3-D Secure takes minutes. */
const ABANDONED_AFTER = '1 hour';

/**
 * Cancels the payments of card top-ups left unpaid for an hour (a checkout
 * the fan gave up, an app that crashed), as if the provider had: their
 * deposits stop counting against the limits, and no late attempt can pay
 * them past those limits. One paid meanwhile is left to its confirmation;
 * one the provider cannot be reached for is tried again next time.
 */
export const cancelAbandonedTopUps = async (batch = 200): Promise<{ canceled: number; paid: number; unreached: number }> => {
  const provider = paymentProvider();
  const done = { canceled: 0, paid: 0, unreached: 0 };
  if (provider.name === 'simulated') return done;
  const abandoned = await db()<Array<{ id: string; user_id: string; amount: number; currency: string; provider_ref: string | null }>>`
    select id, user_id, amount, currency, provider_ref from deposits
    where canceled_at is null and status in ('pending', 'failed') and provider = ${provider.name}
      and created_at < now() - ${ABANDONED_AFTER}::interval
    order by created_at
    limit ${batch}`;
  for (const deposit of abandoned) {
    try {
      const { payment, canceled } = await provider.cancel({ deposit_id: deposit.id, user_id: deposit.user_id, amount: deposit.amount, currency: deposit.currency }, deposit.provider_ref ?? undefined);
      if (!canceled) {
        done.paid++;
        continue;
      }
      await recordPaymentEvent({ id: `abandoned-${deposit.id}`, type: 'abandoned', kind: 'failed', deposit: deposit.id, payment, final: true });
      done.canceled++;
    } catch (error) {
      logger.warn('abandoned top-up not cancelled', { deposit_id: deposit.id, error: String(error) });
      done.unreached++;
    }
  }
  return done;
};
