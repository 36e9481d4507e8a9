import { notFound, refused } from '../http/problem';
import { euros } from '../money';
import type { Refusal, Refusals } from './movement';

export const TRANSFER_MAX = 100_000;
export const DEPOSIT_MAX = 100_000;
export const DAILY_DEPOSIT_MAX = 200_000;

/*
 * The wallet's refusals, each built from the figures that are stored with it
 * (see movement.ts): the same problem whether it is thrown now or replayed.
 */
export const insufficientFunds = (balance: number, required: number) =>
  refused('insufficient-funds', `The wallet holds ${euros(balance)}; this needs ${euros(required)}.`, { balance, required });
export const selfTransfer = () => refused('self-transfer', 'You cannot send money to, or request it from, yourself.');
export const fanNotFound = () => notFound('No fan has this email or user id.');
export const transferLimit = () =>
  refused('transfer-limit', `A payment between fans is at most ${euros(TRANSFER_MAX)}.`, { limit: TRANSFER_MAX });
export const depositMinimum = (minimum: number) =>
  refused('deposit-minimum', `A card top-up is at least ${euros(minimum)}.`, { minimum });
export const walletFrozen = () =>
  refused('wallet-frozen', 'Payments from this wallet are paused while a disputed card top-up is settled: see your deposits.');
export const depositLimit = () => refused('deposit-limit', `A single deposit is at most ${euros(DEPOSIT_MAX)}.`, { limit: DEPOSIT_MAX });
export const dailyDepositLimit = (remaining: number) =>
  refused('daily-deposit-limit', `Deposits are limited to ${euros(DAILY_DEPOSIT_MAX)} per rolling 24 hours; ${euros(remaining)} remains.`, {
    limit: DAILY_DEPOSIT_MAX,
    remaining,
  });
export const requestExpired = () => refused('request-expired', 'This request expired 7 days after it was made.');

const figure = (facts: Refusal, name: string) => Number(facts[name]);

/** What refuses any payment out of a fan's wallet (migration 014's ledger_shortfall), whatever it pays for. */
export const paymentRefusals: Refusals = {
  'insufficient-funds': (f) => insufficientFunds(figure(f, 'balance'), figure(f, 'required')),
  'wallet-frozen': walletFrozen,
};

export const walletRefusals: Refusals = {
  ...paymentRefusals,
  'self-transfer': selfTransfer,
  'fan-not-found': fanNotFound,
  'transfer-limit': transferLimit,
  'deposit-limit': depositLimit,
  'deposit-minimum': (f) => depositMinimum(figure(f, 'minimum')),
  'daily-deposit-limit': (f) => dailyDepositLimit(figure(f, 'remaining')),
  'request-not-found': () => notFound('No such request for you to pay.'),
  'request-expired': requestExpired,
};
