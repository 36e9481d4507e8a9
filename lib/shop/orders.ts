import { keys } from '../cache';
import { db } from '../db';
import type { Claim, Reply } from '../http/route';
import { display } from '../money';
import { newestFirst } from '../pagination';
import { recommendationsKey } from '../recommendations/keys';
import { shardOf } from '../wallet/ledger';
import { count } from '../metrics';
import { answer, freshResult, iso, movement } from '../wallet/movement';
import { productLists } from './products';
import { orderNotFound, shopRefusals } from './refusals';
import type { OrdersFilter, OrderView } from './schemas';

export type OrderRow = {
  id: string;
  items: OrderView['items'];
  total: number;
  currency: string;
  status: OrderView['status'];
  created_at: Date | string;
};

export const toView = (row: OrderRow): OrderView => ({
  id: row.id,
  // Items come back from jsonb with its own key order; the API keeps one.
  items: row.items.map(({ product_id, name, unit_price, quantity }) => ({ product_id, name, unit_price, quantity })),
  total: row.total,
  currency: row.currency,
  display: display(row.total),
  status: row.status,
  created_at: iso(row.created_at),
});

/** What an order's movement reports: the order, and its products' lists to refresh. */
export type Placed = { order: OrderRow; lines: Array<{ club: string; category: string }> };

/** What a purchase, a cancellation or a refund makes stale besides the wallet: the cart, the lists showing the products' stock, the fan's recommendations. */
export const stale = (userId: string) => (placed: Placed) => [keys.cart(userId), recommendationsKey(userId), ...placed.lines.flatMap(productLists)];

/**
 * Buys the cart (migration 004's shop_checkout): stock, payment, order and
 * the emptied cart commit together. A line short of stock is a 409 naming
 * its products, and nothing changes.
 */
export const checkout = async (claim: Claim): Promise<Reply> => {
  const settled = await movement<Placed>(claim, (sql, c) => sql`select shop_checkout(${c}, ${shardOf(claim.userId)}) as outcome`, stale(claim.userId));
  if (freshResult(settled)) count('Purchases', 1, { kind: 'shop' });
  return answer(settled, shopRefusals, ({ order }) => toView(order));
};

/** Cancels a paid order of the fan's (shop_order_cancel): refunded, restocked. */
export const cancelOrder = async (claim: Claim, id: string): Promise<Reply> => {
  const settled = await movement<Placed>(
    claim,
    (sql, c) => sql`select shop_order_cancel(${c}, ${shardOf(claim.userId)}, ${id}) as outcome`,
    stale(claim.userId),
  );
  return answer(settled, shopRefusals, ({ order }) => toView(order));
};

/** The fan's orders, newest first. */
export const listOrders = async (userId: string, filter: OrdersFilter) => {
  const sql = db();
  const keyset = newestFirst(sql, filter.cursor, sql`created_at`, sql`id`);
  const rows = await sql<Array<OrderRow & { created_key: string }>>`
    select id, items, total, currency, status, created_at, created_at::text as created_key
    from orders
    where user_id = ${userId}
      ${keyset.after}
    ${keyset.order}
    limit ${filter.limit + 1}`;
  const result = keyset.page(rows, filter.limit);
  return { items: result.items.map(toView), next_cursor: result.next_cursor };
};

/** One order of the fan's; another fan's is not found. */
export const getOrder = async (userId: string, id: string): Promise<OrderView> => {
  const [row] = await db()<OrderRow[]>`
    select id, items, total, currency, status, created_at from orders where id = ${id} and user_id = ${userId}`;
  if (!row) throw orderNotFound();
  return toView(row);
};
