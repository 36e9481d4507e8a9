import type { PaymentView } from './schemas';

/** A pending deposit, as a provider is asked to collect it. */
export type Collection = { deposit_id: string; user_id: string; amount: number; currency: string };

/**
 * Who collects a top-up's money. The simulated provider of local runs and
 * tests receives it at once, so the deposit is credited in the statement
 * that opens it; a real one hands the app a payment to complete and confirms
 * it later, signed (lib/payments/stripe.ts).
 */
export type PaymentProvider =
  | { name: 'simulated'; minimum: number }
  | {
      name: 'stripe';
      /** The smallest amount it collects, in cents. */
      minimum: number;
      /**
       * The payment the app completes for this deposit: the same deposit
       * always gets the same one, created once (`known` when recorded).
       */
      collect(deposit: Collection, known: string | undefined): Promise<PaymentView>;
      /**
       * Cancels the deposit's payment, so that no card can pay it any more;
       * `canceled` is false when it was paid meanwhile (its confirmation
       * then credits it).
       */
      cancel(deposit: Collection, known: string | undefined): Promise<{ payment: string; canceled: boolean }>;
    };

/**
 * What a provider's signed event means for the books, whatever the provider:
 * a deposit's payment received (credited once) or failed, a chargeback
 * opened or closed, or nothing the API acts on.
 */
export type PaymentEvent = { id: string; type: string } & (
  | { kind: 'paid'; deposit: string; payment: string; received: number }
  /** `final`: cancelled, never to be paid; else a failed attempt, which another card may follow. */
  | { kind: 'failed'; deposit: string; payment: string; final: boolean }
  | { kind: 'disputed'; dispute: string; payment: string; amount: number; reason: string | null }
  | { kind: 'dispute-closed'; dispute: string; payment: string | null; won: boolean }
  | { kind: 'ignored'; why: string }
);
