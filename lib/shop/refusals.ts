import { notFound, refused } from '../http/problem';
import type { Refusals } from '../wallet/movement';
import { paymentRefusals } from '../wallet/refusals';

export const orderNotFound = () => notFound('No such order of yours.');

/** The shop's refusals, rebuilt from the figures stored with them (see lib/wallet/movement.ts). */
export const shopRefusals: Refusals = {
  ...paymentRefusals,
  'cart-empty': () => refused('cart-empty', 'Your cart is empty: add a product before checking out.'),
  'order-not-found': orderNotFound,
};
