import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { handler as stripeWebhookHandler } from '../../functions/payments/stripe-webhook';
import { handler as balanceHandler } from '../../functions/wallet/balance';
import { handler as depositHandler } from '../../functions/wallet/deposit';
import { handler as transferHandler } from '../../functions/wallet/transfer';
import { signAccessToken } from '../../lib/auth/tokens';
import { db } from '../../lib/db';
import type { Fan } from './fans';
import { invoke } from './http';

export const key = (): string => randomUUID();

export const deposit = (fan: Fan, amount: number, idempotencyKey = key()) =>
  invoke(depositHandler, {
    path: '/api/wallet/deposit',
    token: fan.token,
    headers: { 'idempotency-key': idempotencyKey },
    body: { amount, method: 'card' },
  });

export const send = (from: Fan, to: string, amount: number, idempotencyKey = key(), note?: string) =>
  invoke(transferHandler, {
    path: '/api/wallet/transfers',
    token: from.token,
    headers: { 'idempotency-key': idempotencyKey },
    body: { to, amount, ...(note ? { note } : {}) },
  });

export const balanceOf = async (fan: Fan): Promise<number> =>
  (await invoke(balanceHandler, { path: '/api/wallet/balance', token: fan.token })).body.balance;

/** A delivery of Stripe's, through the webhook's handler. */
export const deliver = (delivery: { payload: string; signature?: string }) =>
  invoke(stripeWebhookHandler, {
    path: '/api/payments/webhooks/stripe',
    rawBody: delivery.payload,
    headers: { 'content-type': 'application/json; charset=utf-8', ...(delivery.signature ? { 'stripe-signature': delivery.signature } : {}) },
  });

/** Funded fans made straight in the database (a rush needs many): each with `cents` deposited through the API. */
export const fundedFans = async (count: number, cents = 10_000): Promise<Fan[]> =>
  Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const [{ id }] = (await db()`
        insert into users (email, password, name) values (${`rush.${randomUUID()}@example.test`}, '!', ${`Rush fan ${i}`}) returning id`) as unknown as [{ id: string }];
      await db()`insert into wallets (user_id) values (${id})`;
      const fan = { id, email: '', password: '', refresh: '', token: await signAccessToken(id) };
      expect((await deposit(fan, cents)).status).toBe(201);
      return fan;
    }),
  );
