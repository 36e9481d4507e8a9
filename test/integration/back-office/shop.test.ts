/**
 * The club's shop from its back office: products created, changed and
 * withdrawn by the club's admin (the fans see it at once), stock received
 * and taken out without ever going below zero, even against checkouts, and
 * the club's orders shipped, delivered and refunded, each change in the
 * audit trail and nobody else's club touched.
 */
import { describe, expect, it } from 'vitest';
import { handler as deliverHandler } from '../../../functions/admin/shop/order-deliver';
import { handler as refundHandler } from '../../../functions/admin/shop/order-refund';
import { handler as shipHandler } from '../../../functions/admin/shop/order-ship';
import { handler as ordersHandler } from '../../../functions/admin/shop/orders-list';
import { handler as createHandler } from '../../../functions/admin/shop/product-create';
import { handler as stockHandler } from '../../../functions/admin/shop/product-stock';
import { handler as updateHandler } from '../../../functions/admin/shop/product-update';
import { handler as productsHandler } from '../../../functions/admin/shop/products-list';
import { handler as auditList } from '../../../functions/admin/staff/audit-list';
import { handler as notificationsHandler } from '../../../functions/notifications/list';
import { handler as addToCart } from '../../../functions/shop/cart-add';
import { handler as getCart } from '../../../functions/shop/cart-get';
import { handler as checkoutHandler } from '../../../functions/shop/checkout';
import { handler as getProduct } from '../../../functions/shop/product-get';
import { handler as listProducts } from '../../../functions/shop/products-list';
import { handler as balanceHandler } from '../../../functions/wallet/balance';
import { keys } from '../../../lib/cache';
import { db } from '../../../lib/db';
import { redis } from '../../../lib/redis';
import { newFan, type Fan } from '../../support/fans';
import { invoke } from '../../support/http';
import { clubWithAdmin, staffMember } from '../../support/staff';
import { balanceOf, deposit, key } from '../../support/wallet';

type Product = { id: string; club: string; category: string; price: number; old_price: number | null; discount: number; stock: number; active: boolean };

const create = (by: Fan, body: Record<string, unknown>, idempotencyKey = key()) =>
  invoke(createHandler, { method: 'POST', path: '/api/admin/products', token: by.token, body, headers: { 'idempotency-key': idempotencyKey } });
const patch = (by: Fan, id: string, body: Record<string, unknown>) =>
  invoke(updateHandler, { method: 'PATCH', path: `/api/admin/products/${id}`, params: { id }, token: by.token, body });
const restock = (by: Fan, id: string, change: number, reason = 'delivery', idempotencyKey = key()) =>
  invoke(stockHandler, {
    method: 'POST', path: `/api/admin/products/${id}/stock`, params: { id }, token: by.token, headers: { 'idempotency-key': idempotencyKey }, body: { change, reason },
  });
const products = (by: Fan, query: Record<string, string> = {}) => invoke(productsHandler, { path: '/api/admin/products', token: by.token, query });
const orders = (by: Fan, query: Record<string, string> = {}) => invoke(ordersHandler, { path: '/api/admin/orders', token: by.token, query });
const ship = (by: Fan, id: string) => invoke(shipHandler, { method: 'POST', path: `/api/admin/orders/${id}/ship`, params: { id }, token: by.token });
const deliver = (by: Fan, id: string) => invoke(deliverHandler, { method: 'POST', path: `/api/admin/orders/${id}/deliver`, params: { id }, token: by.token });
const refund = (by: Fan, id: string, idempotencyKey = key()) =>
  invoke(refundHandler, { method: 'POST', path: `/api/admin/orders/${id}/refund`, params: { id }, token: by.token, headers: { 'idempotency-key': idempotencyKey } });
const audit = (by: Fan, club: string) => invoke(auditList, { path: '/api/admin/audit', token: by.token, query: { club } });

const fansList = (club: string, category: string) => invoke(listProducts, { path: '/api/shop/products', query: { club, category, limit: '100' } });
const fanProduct = (id: string) => invoke(getProduct, { path: `/api/shop/products/${id}`, params: { id } });
const add = (fan: Fan, product_id: string, quantity = 1) =>
  invoke(addToCart, { method: 'POST', path: '/api/shop/cart', token: fan.token, body: { product_id, quantity } });
const checkout = (fan: Fan) => invoke(checkoutHandler, { method: 'POST', path: '/api/shop/checkout', token: fan.token, headers: { 'idempotency-key': key() } });
const notifications = async (fan: Fan) =>
  (await invoke(notificationsHandler, { path: '/api/notifications', token: fan.token })).body.items as Array<{ kind: string; payload: { order_id: string } }>;

/** A product of the club's, made through its admin. */
const newProduct = async (admin: Fan, club: string, fields: Record<string, unknown> = {}): Promise<Product> => {
  const made = await create(admin, { club, name: 'Écharpe test', category: 'scarves', price: 1000, nft: false, stock: 50, ...fields });
  expect(made.status).toBe(201);
  return made.body;
};
const stockOf = async (id: string) => (await db()<{ stock: number }[]>`select stock from products where id = ${id}`)[0]!.stock;
const statusOf = async (id: string) => (await db()<{ status: string }[]>`select status from orders where id = ${id}`)[0]!.status;

/** A fan who bought `quantity` of each product, in one paid order. */
const buyer = async (productIds: string[], quantity = 1, funds = 100_000) => {
  const fan = await newFan();
  await deposit(fan, funds);
  for (const id of productIds) expect((await add(fan, id, quantity)).status).toBe(200);
  const paid = await checkout(fan);
  expect(paid.status).toBe(201);
  return { fan, order: paid.body as { id: string; total: number } };
};

/** Those with no business in the club's shop: a fan, another club's admin, and the club's own steward and moderator. */
const outsidersOf = async (club: string) => [await newFan(), (await clubWithAdmin()).admin, await staffMember(club, 'steward'), await staffMember(club, 'moderator')];

describe('products', () => {
  it('an admin adds and changes a product: the fans see it at once, the discount follows the prices', async () => {
    const { club, admin } = await clubWithAdmin();
    // The fans' lists are read, and cached, before each change.
    expect((await fansList(club, 'scarves')).body.items).toEqual([]);
    const scarf = {
      club, name: 'Écharpe Ultras', category: 'scarves', price: 2000, old_price: 2500, player: 'Ben Seghir', nft: false, image: 'https://cdn.example.test/scarf.png', stock: 30,
    };
    const createKey = key();
    const made = await create(admin, scarf, createKey);
    expect(made.status).toBe(201);
    // A retry of the same request makes no second product (its id is derived anew each time).
    const retried = await create(admin, scarf, createKey);
    expect([retried.status, retried.headers['idempotent-replayed'], retried.raw]).toEqual([201, 'true', made.raw]);
    expect(made.body).toMatchObject({ club, name: 'Écharpe Ultras', price: 2000, old_price: 2500, discount: 20, stock: 30, active: true, player: 'Ben Seghir', display: '20.00' });
    const id = made.body.id as string;
    expect(id).toMatch(new RegExp(`^${club.toLowerCase().replace(/_/g, '-')}-echarpe-ultras-[0-9a-f]{6}$`));
    expect((await fansList(club, 'scarves')).body.items.map((p: Product) => [p.id, p.discount])).toEqual([[id, 20]]);
    expect((await fansList(club, 'accessories')).body.items).toEqual([]);

    // A new price and a new category: both categories' lists change at once.
    const changed = await patch(admin, id, { price: 1500, category: 'accessories' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ price: 1500, old_price: 2500, discount: 40, category: 'accessories' });
    expect((await fansList(club, 'scarves')).body.items).toEqual([]);
    expect((await fansList(club, 'accessories')).body.items.map((p: Product) => [p.id, p.price, p.discount])).toEqual([[id, 1500, 40]]);
    expect((await patch(admin, id, { old_price: null })).body.discount).toBe(0);
    expect((await fanProduct(id)).body).toMatchObject({ price: 1500, old_price: null, discount: 0 });

    // The admin's list holds the club's products with their stock.
    const listed = await products(admin, { club });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id, stock: 30, active: true, image: 'https://cdn.example.test/scarf.png' })]);
  });

  it('refuses a duplicate id, an old price below the price, an empty change and bad input, changing nothing', async () => {
    const { club, admin } = await clubWithAdmin();
    const product = await newProduct(admin, club, { id: `${club.toLowerCase()}-scarf` });
    const again = await create(admin, { club, id: product.id, name: 'Other', category: 'scarves', price: 10, nft: false, stock: 1 });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('/problems/product-exists');
    const markup = await patch(admin, product.id, { old_price: 500 });
    expect(markup.status).toBe(422);
    expect(markup.body).toMatchObject({ type: '/problems/old-price-below-price', price: 1000, old_price: 500 });
    expect((await create(admin, { club, name: 'X', category: 'scarves', price: 1000, old_price: 999, nft: false, stock: 1 })).status).toBe(422);
    expect((await patch(admin, product.id, {})).status).toBe(400);
    expect((await patch(admin, product.id, { discount: 50 })).status).toBe(400);
    expect((await patch(admin, product.id, { stock: 1000 })).status).toBe(400);
    expect((await patch(admin, product.id, { image: 'javascript:alert(1)' })).status).toBe(400);
    expect((await patch(admin, product.id, { price: -1 })).status).toBe(400);
    expect((await create(admin, { club, name: '  ', category: 'scarves', price: 1, nft: false, stock: 1 })).status).toBe(400);
    expect((await products(admin, { club, cursor: 'bogus' })).status).toBe(400);
    const [row] = await db()`select price, old_price, discount, stock from products where id = ${product.id}`;
    expect(row).toEqual({ price: 1000, old_price: null, discount: 0, stock: 50 });
    // An id made from a long name still fits the 64 characters a product id has.
    const long = await newProduct(admin, club, { name: 'Écharpe '.repeat(25).trim(), category: 'long_names' });
    expect((await fanProduct(long.id)).status).toBe(200);
  });

  it('a withdrawn product is hidden from the fans, cannot be added to a cart, and a checkout holding it is refused', async () => {
    const { club, admin } = await clubWithAdmin();
    const product = await newProduct(admin, club);
    const fan = await newFan();
    await deposit(fan, 10_000);
    await add(fan, product.id, 2);
    expect((await fansList(club, 'scarves')).body.items).toHaveLength(1);

    expect((await patch(admin, product.id, { active: false })).body.active).toBe(false);
    expect((await fansList(club, 'scarves')).body.items).toEqual([]);
    expect((await invoke(listProducts, { path: '/api/shop/products', query: { club } })).body.items).toEqual([]);
    expect((await fanProduct(product.id)).status).toBe(404);
    expect((await add(await newFan(), product.id)).status).toBe(404);
    // The cart that held it, cached before, says it is not to be had.
    expect((await invoke(getCart, { path: '/api/shop/cart', token: fan.token })).body.items).toEqual([expect.objectContaining({ product_id: product.id, in_stock: false })]);
    const refused = await checkout(fan);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: '/problems/product-unavailable', products: [product.id] });
    expect(await balanceOf(fan)).toBe(10_000);
    expect(await stockOf(product.id)).toBe(50);
    // The admin still sees it, and puts it back on sale.
    expect((await products(admin, { club })).body.items).toEqual([expect.objectContaining({ id: product.id, active: false })]);
    await patch(admin, product.id, { active: true });
    expect((await checkout(fan)).status).toBe(201);
  });
});

describe('stock', () => {
  it('moves by the change, kept with who and why; never below zero; a replayed key moves it once', async () => {
    const { club, admin } = await clubWithAdmin();
    const product = await newProduct(admin, club, { stock: 5 });
    await fansList(club, 'scarves');
    const k = key();
    const received = await restock(admin, product.id, 20, 'Delivery from the supplier', k);
    expect(received.status).toBe(201);
    expect(received.body).toMatchObject({ product_id: product.id, change: 20, reason: 'Delivery from the supplier', stock: 25, by: admin.id });
    const replay = await restock(admin, product.id, 20, 'Delivery from the supplier', k);
    expect(replay.raw).toBe(received.raw);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await restock(admin, product.id, 21, 'Delivery from the supplier', k)).status).toBe(422);
    expect((await fansList(club, 'scarves')).body.items[0].stock).toBe(25);

    const short = await restock(admin, product.id, -26, 'Damaged');
    expect(short.status).toBe(409);
    expect(short.body).toMatchObject({ type: '/problems/not-enough-stock', stock: 25 });
    expect((await restock(admin, product.id, -25, 'Inventory count')).body.stock).toBe(0);
    expect(await stockOf(product.id)).toBe(0);
    expect((await restock(admin, product.id, 0, 'Nothing')).status).toBe(400);
    expect((await restock(admin, product.id, 1, '')).status).toBe(400);
    expect((await restock(admin, product.id, 1, 'x'.repeat(201))).status).toBe(400);
    expect((await restock(admin, product.id, 1.5, 'Half')).status).toBe(400);
    const kept = await db()`select actor_id, change, reason, stock_after from stock_changes where product_id = ${product.id} order by seq`;
    expect(kept).toEqual([
      { actor_id: admin.id, change: 20, reason: 'Delivery from the supplier', stock_after: 25 },
      { actor_id: admin.id, change: -25, reason: 'Inventory count', stock_after: 0 },
    ]);
  });

  it('concurrent stock changes and checkouts never take the stock below zero, and every unit is accounted for', async () => {
    const { club, admin } = await clubWithAdmin();
    const initial = 15;
    const product = await newProduct(admin, club, { stock: initial, price: 100 });
    // Set up ten at a time; only the checkouts and the changes race.
    const fans: Fan[] = [];
    while (fans.length < 40) {
      fans.push(...(await Promise.all(Array.from({ length: 10 }, async () => {
        const fan = await newFan();
        await deposit(fan, 1000);
        await add(fan, product.id, 2);
        return fan;
      }))));
    }
    const changes = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? -4 : 3));
    const [sales, moves] = await Promise.all([
      Promise.all(fans.map(checkout)),
      Promise.all(changes.map((change, i) => restock(admin, product.id, change, `race ${i}`))),
    ]);
    expect(sales.every((a) => a.status === 201 || a.body.type === '/problems/sold-out')).toBe(true);
    expect(moves.every((a) => a.status === 201 || (a.status === 409 && a.body.type === '/problems/not-enough-stock' && a.body.stock >= 0 && a.body.stock < 4))).toBe(true);
    const sold = 2 * sales.filter((a) => a.status === 201).length;
    const moved = moves.filter((a) => a.status === 201).reduce((sum, a) => sum + a.body.change, 0);
    expect(sold).toBeGreaterThan(0);
    expect(moves.some((a) => a.status === 201)).toBe(true);
    expect(await stockOf(product.id)).toBe(initial + moved - sold);
    const [books] = await db()<{ kept: number; lowest: number }[]>`
      select coalesce(sum(change), 0)::int as kept, coalesce(min(stock_after), 0)::int as lowest from stock_changes where product_id = ${product.id}`;
    expect(books!.kept).toBe(moved);
    expect(books!.lowest).toBeGreaterThanOrEqual(0);
  }, 120_000);
});

describe('orders', () => {
  it('lists the club\'s orders newest first with their fans; ships and delivers them, each move once, the fan notified', async () => {
    const { club, admin } = await clubWithAdmin();
    const product = await newProduct(admin, club, { price: 1500 });
    const first = await buyer([product.id]);
    const second = await buyer([product.id], 2);
    const listed = await orders(admin, { club });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: { id: string }) => o.id)).toEqual([second.order.id, first.order.id]);
    expect(listed.body.items[0]).toMatchObject({
      status: 'paid', total: 3000, clubs: [club], fan: { id: second.fan.id, email: second.fan.email, name: expect.any(String) },
      items: [{ product_id: product.id, quantity: 2, unit_price: 1500, name: 'Écharpe test' }],
    });
    const page1 = await orders(admin, { club, limit: '1' });
    const page2 = await orders(admin, { club, limit: '1', cursor: page1.body.next_cursor });
    expect(page2.body.items.map((o: { id: string }) => o.id)).toEqual([first.order.id]);
    expect((await orders(admin, { club, cursor: 'bogus' })).status).toBe(400);

    const id = first.order.id;
    expect((await deliver(admin, id)).status).toBe(409);
    const shipped = await ship(admin, id);
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ id, status: 'shipped', fan: { id: first.fan.id } });
    const twice = await ship(admin, id);
    expect(twice.status).toBe(409);
    expect(twice.body.type).toBe('/problems/order-status');
    expect((await deliver(admin, id)).body.status).toBe('delivered');
    for (const move of [ship, deliver]) expect((await move(admin, id)).status).toBe(409);
    expect((await refund(admin, id)).status).toBe(409);
    expect(await statusOf(id)).toBe('delivered');
    expect((await orders(admin, { club, status: 'delivered' })).body.items.map((o: { id: string }) => o.id)).toEqual([id]);
    expect((await orders(admin, { club, status: 'sent' })).status).toBe(400);
    const told = await notifications(first.fan);
    expect(told.map((n) => [n.kind, n.payload.order_id])).toEqual([['order-delivered', id], ['order-shipped', id]]);
    // The fan's own cancel no longer applies once shipped.
    expect(await statusOf(second.order.id)).toBe('paid');
  });

  it('refunds a paid and a shipped order: the ledger balances, the stock and the money come back, the fan is told, a key replays', async () => {
    const { club, admin } = await clubWithAdmin();
    const shirt = await newProduct(admin, club, { price: 3000, stock: 10 });
    const card = await newProduct(admin, club, { price: 500, stock: 10, nft: true, category: 'collectibles' });
    const paid = await buyer([shirt.id, card.id], 2, 10_000);
    const shipped = await buyer([shirt.id], 1, 10_000);
    await ship(admin, shipped.order.id);
    expect([await stockOf(shirt.id), await stockOf(card.id)]).toEqual([7, 8]);
    // Balances read, and cached, before the refund.
    expect(await balanceOf(paid.fan)).toBe(10_000 - 7000);
    await fansList(club, 'scarves');

    const k = key();
    const refunded = await refund(admin, paid.order.id, k);
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ id: paid.order.id, status: 'refunded', total: 7000 });
    const replay = await refund(admin, paid.order.id, k);
    expect(replay.raw).toBe(refunded.raw);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await refund(admin, shipped.order.id, k)).status).toBe(422);
    const again = await refund(admin, paid.order.id);
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('/problems/order-status');
    expect((await refund(admin, shipped.order.id)).body.status).toBe('refunded');

    // The fan's balance, written back at once; the stock, the lists and the collectibles back as they were.
    expect(await redis()!.get(keys.walletBalance(paid.fan.id).key)).toMatchObject({ balance: 10_000 });
    expect(await balanceOf(paid.fan)).toBe(10_000);
    expect(await balanceOf(shipped.fan)).toBe(10_000);
    expect([await stockOf(shirt.id), await stockOf(card.id)]).toEqual([10, 10]);
    expect((await fansList(club, 'scarves')).body.items[0].stock).toBe(10);
    const assets = (await invoke(balanceHandler, { path: '/api/wallet/balance', token: paid.fan.token })).body.assets;
    expect(assets.collectibles).toEqual([]);
    for (const { fan, order } of [paid, shipped]) {
      expect((await notifications(fan))[0]).toMatchObject({ kind: 'order-refunded', payload: { order_id: order.id } });
      const legs = await db()<{ amount: number; type: string }[]>`
        select t.amount, t.type from transfers r join orders o on o.transfer_id = r.reverses join transactions t on t.transfer_id = r.id
        where o.id = ${order.id} and r.kind = 'refund' order by t.amount`;
      expect(legs).toEqual([{ amount: -order.total, type: 'refund' }, { amount: order.total, type: 'refund' }]);
    }
    const [books] = await db()<{ unbalanced: number; drifted: number }[]>`
      select
        (select count(*)::int from (select transfer_id from transactions group by transfer_id having sum(amount) <> 0) u) as unbalanced,
        (select count(*)::int from wallets w where w.balance <> (select coalesce(sum(amount), 0) from transactions t where t.wallet_id = w.id)) as drifted`;
    expect(books).toEqual({ unbalanced: 0, drifted: 0 });
  });

  it('an order holding another club\'s products shows in both lists, and only an admin of both may change it', async () => {
    const home = await clubWithAdmin();
    const away = await clubWithAdmin();
    const ours = await newProduct(home.admin, home.club);
    const theirs = await newProduct(away.admin, away.club);
    const { order } = await buyer([ours.id, theirs.id]);
    expect((await orders(home.admin, { club: home.club })).body.items[0]).toMatchObject({ id: order.id, clubs: [home.club, away.club].sort() });
    expect((await orders(away.admin, { club: away.club })).body.items[0].id).toBe(order.id);
    for (const move of [ship, deliver, refund]) {
      const refused = await move(home.admin, order.id);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ type: '/problems/order-spans-clubs', clubs: [away.club] });
    }
    await db()`insert into club_roles (user_id, club_id, role) values (${home.admin.id}, ${away.club}, 'admin')`;
    expect((await ship(home.admin, order.id)).status).toBe(200);
    // The change is to both clubs' products: it is in both their trails.
    for (const { admin, club } of [home, away]) {
      expect((await audit(admin, club)).body.items[0]).toMatchObject({ action: 'order.ship', club, actor: { id: home.admin.id }, object: { id: order.id } });
    }
  });
});

describe('who may', () => {
  it("answers 404 to a fan, another club's admin, the club's steward and moderator, on every route, and changes nothing", async () => {
    const { club, admin } = await clubWithAdmin();
    const product = await newProduct(admin, club);
    const { order } = await buyer([product.id]);
    for (const outsider of await outsidersOf(club)) {
      const answers = [
        await create(outsider, { club, name: 'Intruder', category: 'scarves', price: 1, nft: false, stock: 1 }),
        await patch(outsider, product.id, { price: 1, active: false }),
        await restock(outsider, product.id, -10, 'theft'),
        await products(outsider, { club }),
        await orders(outsider, { club }),
        await ship(outsider, order.id),
        await deliver(outsider, order.id),
        await refund(outsider, order.id),
      ];
      expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(404));
    }
    expect((await products(admin, { club })).body.items).toEqual([expect.objectContaining({ id: product.id, price: 1000, stock: 49, active: true })]);
    expect(await statusOf(order.id)).toBe('paid');
    expect((await audit(admin, club)).body.items.map((e: { action: string }) => e.action)).toEqual(['product.create']);
    expect((await create(admin, { club: 'NO_SUCH_CLUB', name: 'X', category: 'scarves', price: 1, nft: false, stock: 1 })).status).toBe(404);
  });

  it('keeps every change in the audit trail, with before and after', async () => {
    const { club, admin } = await clubWithAdmin();
    const product = await newProduct(admin, club, { price: 1000 });
    await patch(admin, product.id, { price: 800, old_price: 1000 });
    await restock(admin, product.id, 5, 'Delivery');
    const { order } = await buyer([product.id]);
    await ship(admin, order.id);
    await deliver(admin, order.id);
    const other = await buyer([product.id]);
    await refund(admin, other.order.id);
    const trail = (await audit(admin, club)).body.items as Array<{ action: string; object: { type: string; id: string }; before: any; after: any; actor: { id: string } }>;
    expect(trail.map((e) => e.action)).toEqual(['order.refund', 'order.deliver', 'order.ship', 'product.stock', 'product.update', 'product.create']);
    expect(trail.every((e) => e.actor.id === admin.id)).toBe(true);
    const [refunded, delivered, shipped, stocked, updated, created] = trail;
    expect(created).toMatchObject({ object: { type: 'product', id: product.id }, before: null, after: { price: 1000, stock: 50, active: true } });
    expect(updated).toMatchObject({ before: { price: 1000, old_price: null, discount: 0 }, after: { price: 800, old_price: 1000, discount: 20 } });
    expect(stocked).toMatchObject({ object: { id: product.id }, before: { stock: 50 }, after: { stock: 55, change: 5, reason: 'Delivery' } });
    expect(shipped).toMatchObject({ object: { type: 'order', id: order.id }, before: { status: 'paid' }, after: { status: 'shipped' } });
    expect(delivered).toMatchObject({ before: { status: 'shipped' }, after: { status: 'delivered' } });
    expect(refunded).toMatchObject({ object: { id: other.order.id }, before: { status: 'paid' }, after: { status: 'refunded', refunded: 800 } });
  });
});
