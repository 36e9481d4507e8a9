import { randomBytes } from 'node:crypto';
import { invalidate, keys, type CacheKey } from '../cache';
import { db, type Sql, type Tx } from '../db';
import { conflict, notFound, ProblemError, refused } from '../http/problem';
import type { Claim, Reply } from '../http/route';
import { display, euros } from '../money';
import { pushNotifications, type NotificationRow } from '../notifications/notifications';
import { decodeCursor, newestFirst, page } from '../pagination';
import { clubsOf, clubTarget, noClubOfYours } from '../staff/access';
import { act, type Staff, type Target } from '../staff/act';
import { record } from '../staff/audit';
import { shardOf } from '../wallet/ledger';
import { iso, walletsMoved, type Wallets } from '../wallet/movement';
import { stale, toView as orderView, type OrderRow, type Placed } from './orders';
import { productLists } from './products';
import type {
  AdminOrdersFilter, AdminOrderView, AdminProductsFilter, AdminProductView, OrderView, ProductCreateInput, ProductPatchInput, StockChangeInput,
  StockChangeView,
} from './schemas';

type ProductRow = Omit<AdminProductView, 'display'>;

const productView = (row: ProductRow): AdminProductView => ({ ...row, display: display(row.price) });

const productColumns = (sql: Sql | Tx) =>
  sql`id, name, club, category, price, old_price, discount, stock, nft, currency, player, image, active`;

const productNotFound = () => notFound('No such product of a club of yours.');
const orderNotFound = () => notFound('No such order holding products of a club of yours.');

/** The lists a product appears in, before and after a change, each once. */
const listsOf = (...products: Array<{ club: string; category: string }>): CacheKey[] => [
  ...new Map(products.flatMap(productLists).map((entry) => [entry.key, entry])).values(),
];

/** The product, locked for the change about to be made to it. */
const lockProduct = async (sql: Tx, id: string): Promise<ProductRow | undefined> => {
  const [row] = await sql<ProductRow[]>`select ${productColumns(sql)} from products where id = ${id} for update`;
  return row;
};
const productTarget = (id: string) => async (sql: Tx): Promise<Target | undefined> => {
  const row = await lockProduct(sql, id);
  return row && { club: row.club, id: row.id };
};

/** A markdown is from a higher price (the table's check, answered as a refusal rather than a database error). */
const checkPrices = ({ price, old_price }: { price: number; old_price: number | null }) => {
  if (old_price !== null && old_price < price) {
    throw refused('old-price-below-price', `The old price (€${euros(old_price)}) must be at least the price (€${euros(price)}).`, { price, old_price });
  }
};

/**
 * An id for a product the club did not name: its club and name as a slug,
 * within the 64 characters a product id has, and a few random characters
 * so that two of a name differ.
 */
const newProductId = (club: string, name: string) => {
  const slug = `${club}-${name}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `${slug.slice(0, 57).replace(/^-+|-+$/g, '')}-${randomBytes(3).toString('hex')}`;
};

/** The fans whose cached carts show the product (its name, price, whether it is for sale). */
const cartsHolding = async (sql: Tx, id: string): Promise<CacheKey[]> =>
  (await sql<{ user_id: string }[]>`select user_id from cart where product_id = ${id}`).map((row) => keys.cart(row.user_id));

/** The products of the admin's clubs, by id, with their stock, withdrawn ones too. */
export const listProducts = async (userId: string, filter: AdminProductsFilter) => {
  const sql = db();
  const after = decodeCursor(filter.cursor, ['slug'] as const)?.[0];
  const clubs = await clubsOf(sql, userId, 'admin', filter.club);
  const rows = await sql<ProductRow[]>`
    select ${productColumns(sql)} from products
    where club = any(${clubs}) ${after ? sql`and id > ${after}` : sql``}
    order by id
    limit ${filter.limit + 1}`;
  const result = page(rows, filter.limit, (row) => [row.id]);
  return { items: result.items.map(productView), next_cursor: result.next_cursor };
};

/** Adds a product to a club's shop; the fans' lists show it at once. */
export const createProduct = (staff: Staff, claim: Claim, input: ProductCreateInput): Promise<Reply> =>
  act(staff, {
    role: 'admin',
    action: 'product.create',
    claim,
    find: (sql) => clubTarget(sql, input.club),
    missing: noClubOfYours(input.club),
    change: async (sql) => {
      const fields = {
        id: input.id ?? newProductId(input.club, input.name),
        club: input.club,
        name: input.name,
        category: input.category,
        price: input.price,
        old_price: input.old_price ?? null,
        player: input.player ?? null,
        nft: input.nft,
        image: input.image ?? null,
        stock: input.stock,
        active: input.active ?? true,
      };
      checkPrices(fields);
      const [created] = await sql<ProductRow[]>`
        insert into products ${sql(fields)} on conflict (id) do nothing
        returning ${productColumns(sql)}`;
      if (!created) throw conflict('product-exists', `A product has the id ${fields.id} already: choose another, or leave it out.`);
      sql.afterCommit(() => invalidate(...listsOf(created)));
      return { status: 201, result: productView(created), before: null, after: created, id: created.id };
    },
  });

/**
 * Changes a product. Its lists, in its old category and its new one, and
 * the carts holding it show the change at once; withdrawn, it leaves them
 * (carts keep it, marked not in stock, and a checkout holding it is refused).
 */
export const updateProduct = (staff: Staff, id: string, input: ProductPatchInput): Promise<Reply> =>
  act(staff, {
    role: 'admin',
    action: 'product.update',
    find: productTarget(id),
    missing: productNotFound,
    change: async (sql) => {
      const before = (await lockProduct(sql, id))!;
      checkPrices({ ...before, ...input });
      const [after] = await sql<ProductRow[]>`
        update products set ${sql(input, Object.keys(input) as Array<keyof ProductPatchInput>)} where id = ${id}
        returning ${productColumns(sql)}`;
      const carts = await cartsHolding(sql, id);
      sql.afterCommit(() => invalidate(...listsOf(before, after!), ...carts));
      return { result: productView(after!), before, after };
    },
  });

/**
 * Receives stock or takes it out, under the product's lock, which every
 * checkout and refund takes too: the stock never goes below zero (409 with
 * the stock there is, and nothing changes), and each change is kept with
 * who made it, why and the stock it left.
 */
export const changeStock = (staff: Staff, claim: Claim, id: string, input: StockChangeInput): Promise<Reply> =>
  act(staff, {
    role: 'admin',
    action: 'product.stock',
    claim,
    find: productTarget(id),
    missing: productNotFound,
    change: async (sql) => {
      const [product] = await sql<ProductRow[]>`
        update products set stock = stock + ${input.change} where id = ${id} and stock + ${input.change} >= 0
        returning ${productColumns(sql)}`;
      if (!product) {
        const { stock } = (await lockProduct(sql, id))!;
        throw new ProblemError(409, 'not-enough-stock', `There are ${stock} in stock: ${-input.change} cannot be taken out. Nothing changed.`, { stock });
      }
      const [row] = await sql<Array<Omit<StockChangeView, 'at'> & { at: Date }>>`
        insert into stock_changes (product_id, actor_id, change, reason, stock_after)
        values (${id}, ${staff.userId}, ${input.change}, ${input.reason}, ${product.stock})
        returning id, product_id, change, reason, stock_after as stock, actor_id as by, at`;
      const change: StockChangeView = { ...row!, at: row!.at.toISOString() };
      sql.afterCommit(() => invalidate(...listsOf(product)));
      return { status: 201, result: change, before: { stock: product.stock - input.change }, after: { stock: product.stock, change: input.change, reason: input.reason } };
    },
  });

type AdminOrderRow = OrderRow & { clubs: string[]; fan_id: string; fan_name: string; fan_email: string };

const adminOrderView = (row: AdminOrderRow): AdminOrderView => ({
  ...orderView(row),
  clubs: row.clubs,
  fan: { id: row.fan_id, name: row.fan_name, email: row.fan_email },
});

const orderRows = (sql: Sql | Tx) => sql`
  select o.id, o.items, o.total, o.currency, o.status, o.created_at, o.created_at::text as created_key, o.clubs,
         u.id as fan_id, u.name as fan_name, u.email as fan_email
  from orders o join users u on u.id = o.user_id`;

/** The orders holding products of the admin's clubs, newest first, with their fans. */
export const listOrders = async (userId: string, filter: AdminOrdersFilter) => {
  const sql = db();
  const keyset = newestFirst(sql, filter.cursor, sql`created_at`, sql`id`);
  const clubs = await clubsOf(sql, userId, 'admin', filter.club);
  const rows = await sql<Array<AdminOrderRow & { created_key: string }>>`
    select * from (${orderRows(sql)}) o
    where clubs && ${clubs}::text[] ${filter.status ? sql`and status = ${filter.status}` : sql``}
      ${keyset.after}
    ${keyset.order}
    limit ${filter.limit + 1}`;
  const result = keyset.page(rows, filter.limit);
  return { items: result.items.map(adminOrderView), next_cursor: result.next_cursor };
};

/*
 * Whose order is it? A cart is not per club, so an order may hold several
 * clubs' products; it belongs to each of them (`orders.clubs`, recorded at
 * checkout) and shows in each one's list. But it has one status and one
 * payment: shipping it, delivering it or refunding it acts on the other
 * clubs' products too. So an admin may change an order only when they run
 * every club it holds products of; an admin of some of them is told so
 * (409 `order-spans-clubs`, naming the others), and an admin of none of
 * them learns nothing (404), as for any other club's object. The change is
 * in each of the order's clubs' audit trails.
 */
const orderTarget = (staff: Staff, id: string) => async (sql: Tx): Promise<Target | undefined> => {
  const [row] = await sql<{ club: string | null }[]>`
    select coalesce(
      (select r.club_id from club_roles r where r.user_id = ${staff.userId} and r.role = 'admin' and r.club_id = any(o.clubs) order by r.club_id limit 1),
      o.clubs[1]) as club
    from orders o where o.id = ${id}
    for update`;
  return row?.club ? { club: row.club, id } : undefined;
};

/** The order, locked by `orderTarget`, if the admin runs every club it holds products of. */
const orderToChange = async (sql: Tx, staff: Staff, id: string): Promise<AdminOrderView> => {
  const [row] = await sql<Array<AdminOrderRow & { others: string[] }>>`
    select o.*, array(
      select unnest(o.clubs) except select club_id from club_roles where user_id = ${staff.userId} and role = 'admin' order by 1) as others
    from (${orderRows(sql)}) o
    where o.id = ${id}`;
  const { others, ...order } = row!;
  if (others.length > 0) {
    throw new ProblemError(
      409,
      'order-spans-clubs',
      `This order also holds products of ${others.join(', ')}, whose admin you are not: only an admin of all its clubs can change it.`,
      { clubs: others },
    );
  }
  return adminOrderView(order);
};

type Step = {
  action: `order.${string}`;
  from: ReadonlyArray<OrderView['status']>;
  to: OrderView['status'];
  verb: string;
  message: (order: AdminOrderView) => string };

const STEPS = {
  ship: { action: 'order.ship', from: ['paid'], to: 'shipped', verb: 'shipped', message: () => 'Your order has shipped.' },
  deliver: { action: 'order.deliver', from: ['shipped'], to: 'delivered', verb: 'delivered', message: () => 'Your order has been delivered.' },
  refund: {
    action: 'order.refund',
    from: ['paid', 'shipped'],
    to: 'refunded',
    verb: 'refunded',
    message: (order) => `Your order has been refunded: €${euros(order.total)} are back in your wallet.`,
  },
} as const satisfies Record<string, Step>;

/** The order's next status, if this step may take it there; any other move is a conflict. */
const moving = (order: AdminOrderView, step: Step): AdminOrderView => {
  if (!step.from.includes(order.status)) {
    throw conflict('order-status', `This order is ${order.status}: only a ${step.from.join(' or ')} order can be ${step.verb}.`);
  }
  return { ...order, status: step.to };
};

/** Records the fan's notification of the step, in the change's transaction, and pushes it to their open connections once committed. */
const notify = async (sql: Tx, order: AdminOrderView, step: Step) => {
  const recorded = await sql<(NotificationRow & { user_id: string })[]>`
    insert into notifications (user_id, kind, ref, payload)
    values (${order.fan.id}, ${`order-${step.to}`}, ${order.id}, ${sql.json({ order_id: order.id, status: step.to, message: step.message(order) })})
    on conflict do nothing
    returning user_id, id, kind, payload, created_at`;
  sql.afterCommit(() => pushNotifications(recorded));
};

/**
 * Moves the order by `step` in act()'s transaction: `apply` makes the
 * move (and answers what the audit entry adds to the new status), the fan
 * is notified, and the clubs of the order's besides the acting admin's one
 * get the audit entry too, since the change is to their products as well.
 */
const moveOrder = (
  staff: Staff,
  id: string,
  step: Step,
  apply: (sql: Tx, before: AdminOrderView, after: AdminOrderView) => Promise<Record<string, unknown> | void>,
  claim?: Claim,
): Promise<Reply> =>
  act(staff, {
    role: 'admin',
    action: step.action,
    claim,
    find: orderTarget(staff, id),
    missing: orderNotFound,
    change: async (sql, target) => {
      const before = await orderToChange(sql, staff, id);
      const after = moving(before, step);
      const audited = { before: { status: before.status }, after: { status: after.status, ...(await apply(sql, before, after)) } };
      await notify(sql, after, step);
      for (const club of after.clubs.filter((c) => c !== target.club)) {
        await record(sql, { club, actor: staff.userId, role: 'admin', action: step.action, object: id, ...audited, requestId: staff.requestId });
      }
      return { result: after, ...audited };
    },
  });

const advance = (step: Step) => (staff: Staff, id: string): Promise<Reply> =>
  moveOrder(staff, id, step, async (sql, _before, after) => {
    await sql`update orders set status = ${after.status} where id = ${id}`;
  });

/** A paid order leaves: its fan is notified. */
export const shipOrder = advance(STEPS.ship);
/** A shipped order arrives: its fan is notified. */
export const deliverOrder = advance(STEPS.deliver);

/**
 * The club refunds a paid or shipped order as its fan's cancellation does
 * (migration 019's shop_order_reverse, shared with shop_order_cancel): the
 * payment reversed from the shop_revenue shard, the stock returned, the
 * collectibles taken back, in the admin's transaction with its audit entry
 * and Idempotency-Key. Once committed, the fan's new balance is cached as
 * every movement's is, and the fan notified.
 */
export const refundOrder = (staff: Staff, claim: Claim, id: string): Promise<Reply> =>
  moveOrder(
    staff,
    id,
    STEPS.refund,
    async (sql, before, after) => {
      const fan = before.fan.id;
      const [{ reversed }] = (await sql`
        select shop_order_reverse(o, ${shardOf(fan)}, ${after.status}) as reversed from orders o where o.id = ${id}`) as unknown as [{ reversed: Placed }];
      const [{ wallets }] = (await sql`select wallet_views(${sql.json([fan])}) as wallets`) as unknown as [{ wallets: Wallets }];
      sql.afterCommit(() => walletsMoved([fan], wallets, stale(fan)(reversed)));
      return { refunded: before.total };
    },
    claim,
  );
