import * as z from 'zod/mini';
import { FanName, PageQuery, plainText } from '../http/schemas';
import { Cents } from '../money';
import { Payment } from '../payments/schemas';

const Note = z.optional(z.string().check(z.trim(), z.maxLength(140), plainText()));

export const DEPOSIT_METHODS = ['card', 'apple_pay', 'google_pay'] as const;

export const DepositBody = z.strictObject({ amount: Cents, method: z.enum(DEPOSIT_METHODS) });
export const TransferBody = z.strictObject({ to: FanName, amount: Cents, note: Note });
export const RequestBody = z.strictObject({ from: FanName, amount: Cents, note: Note });

export const ENTRY_TYPES = [
  'deposit', 'send', 'receive', 'request_paid', 'request_received', 'purchase', 'sale', 'refund', 'funding', 'chargeback', 'chargeback_reversal',
] as const;
export const DEPOSIT_STATUSES = ['pending', 'succeeded', 'failed', 'disputed'] as const;

export const TransactionsQuery = z.strictObject({ ...PageQuery, type: z.optional(z.enum(ENTRY_TYPES)) });
export const RequestsQuery = z.strictObject({
  ...PageQuery,
  direction: z._default(z.enum(['incoming', 'outgoing']), 'incoming'),
  status: z.optional(z.enum(['pending', 'paid', 'declined', 'cancelled', 'expired'])),
});
export const RequestParams = z.strictObject({ id: z.uuid({ error: 'Must be a request id' }) });
export const DepositsQuery = z.strictObject({ ...PageQuery, status: z.optional(z.enum(DEPOSIT_STATUSES)) });
export const DepositParams = z.strictObject({ id: z.uuid({ error: 'Must be a deposit id' }) });

const Party = z.object({ id: z.string(), name: z.string() });

export const Balance = z.object({
  balance: z.number(),
  currency: z.string(),
  display: z.string(),
  assets: z.object({ collectibles: z.array(z.unknown()), points: z.number() }),
});

export const Entry = z.object({
  id: z.string(),
  transfer_id: z.string(),
  type: z.enum(ENTRY_TYPES),
  amount: z.number(),
  display: z.string(),
  balance_after: z.number(),
  currency: z.string(),
  counterparty: z.nullable(z.object({ kind: z.enum(['fan', 'platform']), name: z.string() })),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});

export const EntryPage = z.object({ items: z.array(Entry), next_cursor: z.nullable(z.string()) });

export const Deposit = z.object({
  id: z.string(),
  amount: z.number(),
  currency: z.string(),
  display: z.string(),
  method: z.enum(DEPOSIT_METHODS),
  status: z.enum(['pending', 'succeeded', 'failed']),
  balance: z.number(),
  created_at: z.string(),
});

/**
 * A top-up as the fan follows it: asked (`amount`), then received
 * (`amount_received`, which the provider decides) and credited, or failed;
 * `dispute` is its chargeback, if the fan's bank disputed it.
 */
export const DepositRecord = z.object({
  id: z.string(),
  status: z.enum(DEPOSIT_STATUSES),
  amount: z.number(),
  amount_received: z.nullable(z.number()),
  currency: z.string(),
  display: z.string(),
  method: z.enum(DEPOSIT_METHODS),
  provider: z.enum(['simulated', 'stripe']),
  created_at: z.string(),
  credited_at: z.nullable(z.string()),
  dispute: z.nullable(
    z.object({
      status: z.enum(['open', 'won', 'lost']),
      amount: z.number(),
      taken_back: z.number(),
      owed: z.number(),
      opened_at: z.string(),
      closed_at: z.nullable(z.string()),
    }),
  ),
});
export const DepositPage = z.object({ items: z.array(DepositRecord), next_cursor: z.nullable(z.string()) });

/** A top-up the payment provider collects: pending until its signed confirmation credits it. */
export const PendingDeposit = z.object({ deposit: DepositRecord, payment: Payment });

export const Transfer = z.object({
  id: z.string(),
  amount: z.number(),
  currency: z.string(),
  display: z.string(),
  to: Party,
  note: z.nullable(z.string()),
  balance: z.number(),
  created_at: z.string(),
});

export const MoneyRequest = z.object({
  id: z.string(),
  amount: z.number(),
  currency: z.string(),
  display: z.string(),
  note: z.nullable(z.string()),
  status: z.enum(['pending', 'paid', 'declined', 'cancelled', 'expired']),
  requester: Party,
  payer: Party,
  created_at: z.string(),
  expires_at: z.string(),
  settled_at: z.nullable(z.string()),
});

export const MoneyRequestPage = z.object({ items: z.array(MoneyRequest), next_cursor: z.nullable(z.string()) });

export type DepositInput = z.infer<typeof DepositBody>;
export type DepositsFilter = z.infer<typeof DepositsQuery>;
export type DepositRecordView = z.infer<typeof DepositRecord>;
export type PendingDepositView = z.infer<typeof PendingDeposit>;
export type TransferInput = z.infer<typeof TransferBody>;
export type RequestInput = z.infer<typeof RequestBody>;
export type TransactionsFilter = z.infer<typeof TransactionsQuery>;
export type RequestsFilter = z.infer<typeof RequestsQuery>;
export type EntryType = (typeof ENTRY_TYPES)[number];
export type BalanceView = z.infer<typeof Balance>;
export type EntryView = z.infer<typeof Entry>;
export type DepositView = z.infer<typeof Deposit>;
export type TransferView = z.infer<typeof Transfer>;
export type MoneyRequestView = z.infer<typeof MoneyRequest>;
