import { config } from '../config';
import { stripeProvider } from './stripe';
import type { PaymentProvider } from './types';

const simulatedProvider: PaymentProvider = { name: 'simulated', minimum: 1 };

/**
 * The provider PAYMENT_PROVIDER names. A deployed stage never runs the
 * simulated one, which would credit money nobody paid.
 */
export const paymentProvider = (): PaymentProvider => {
  const name = config.paymentProvider();
  if (name === 'stripe') return stripeProvider;
  if (name !== 'simulated') throw new Error(`PAYMENT_PROVIDER=${name} is no payment provider: set stripe or simulated.`);
  if (config.deployed()) throw new Error(`PAYMENT_PROVIDER=simulated credits money nobody paid: stage ${config.stage()} must set stripe.`);
  return simulatedProvider;
};

// As the function starts: one misconfigured fails its cold start rather than serve.
paymentProvider();
