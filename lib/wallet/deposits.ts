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
import { answer, freshResult, iso, movement, post, refuse, type Refusal } from './movement';
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

/** Opened and credited from the card-funding account in one movement (migration 014's wallet_deposit). */
const receivedAtOnce = async (claim: Claim, input: DepositInput): Promise<Reply> => {
  const settled = await movement<Posted & { deposit_id: string }>(claim, (sql, c) => sql`
    select wallet_deposit(${c}, ${shardOf(claim.userId)}, ${input.amount}, ${input.method}, ${DAILY_DEPOSIT_MAX}) as outcome`);
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
    : event.kind === 'failed' ? sql`deposit_failed(${event.deposit}, ${event.payment})`
    : event.kind === 'disputed' ? sql`deposit_disputed(${event.dispute}, ${event.payment}, ${event.amount}, ${event.reason})`
    : sql`deposit_dispute_closed(${event.dispute}, ${event.won})`;
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
