/**
 * The club shop through its handlers: products, cart, checkout (stock,
 * payment and order in one movement), orders and their cancellation.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as addToCart } from '../../functions/shop/cart-add';
import { handler as getCart } from '../../functions/shop/cart-get';
import { handler as removeCartLine } from '../../functions/shop/cart-remove';
import { handler as updateCartLine } from '../../functions/shop/cart-update';
import { handler as checkoutHandler } from '../../functions/shop/checkout';
import { handler as cancelOrder } from '../../functions/shop/order-cancel';
import { handler as getOrder } from '../../functions/shop/order-get';
import { handler as listOrders } from '../../functions/shop/orders-list';
import { handler as getProduct } from '../../functions/shop/product-get';
import { handler as listProducts } from '../../functions/shop/products-list';
import { handler as balance } from '../../functions/wallet/balance';
import { keys } from '../../lib/cache';
import { db } from '../../lib/db';
import { redis } from '../../lib/redis';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { balanceOf, deposit, key } from '../support/wallet';

/** A product of its own for a test, so that stock figures are the test's alone. */
const newProduct = async (stock: number, overrides: { price?: number; nft?: boolean; category?: string } = {}) => {
  const id = `test-${randomBytes(5).toString('hex')}`;
  await db()`
    insert into products (id, name, club, category, price, stock, nft)
    values (${id}, ${`Test product ${id}`}, 'OGC_NICE', ${overrides.category ?? 'tests'}, ${overrides.price ?? 1000}, ${stock}, ${overrides.nft ?? false})`;
  return id;
};
const stockOf = async (id: string) => (await db()<{ stock: number }[]>`select stock from products where id = ${id}`)[0]!.stock;

const add = (fan: Fan, product_id: string, quantity?: number) =>
  invoke(addToCart, { path: '/api/shop/cart', token: fan.token, body: { product_id, ...(quantity ? { quantity } : {}) } });
const cart = (fan: Fan) => invoke(getCart, { path: '/api/shop/cart', token: fan.token });
const checkout = (fan: Fan, idempotencyKey = key()) =>
  invoke(checkoutHandler, { path: '/api/shop/checkout', method: 'POST', token: fan.token, headers: { 'idempotency-key': idempotencyKey } });
const cancel = (fan: Fan, id: string, idempotencyKey = key()) =>
  invoke(cancelOrder, { path: `/api/shop/orders/${id}/cancel`, method: 'POST', token: fan.token, params: { id }, headers: { 'idempotency-key': idempotencyKey } });

describe('products', () => {
  it('lists a club\'s merchandise as the old API did, filtered and paged', async () => {
    const all = await invoke(listProducts, { path: '/api/shop/products', query: { club: 'AS_MONACO' } });
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThanOrEqual(4);
    expect(all.body.items.every((p: { club: string }) => p.club === 'AS_MONACO')).toBe(true);
    expect(all.body.items[0]).toMatchObject({ id: expect.any(String), name: expect.any(String), price: expect.any(Number), currency: 'EUR', nft: expect.any(Boolean) });
    const first = await invoke(listProducts, { path: '/api/shop/products', query: { club: 'AS_MONACO', limit: '2' } });
    const second = await invoke(listProducts, { path: '/api/shop/products', query: { club: 'AS_MONACO', limit: '2', cursor: first.body.next_cursor } });
    expect([...first.body.items, ...second.body.items].map((p: { id: string }) => p.id)).toEqual(all.body.items.slice(0, 4).map((p: { id: string }) => p.id));
    const jerseys = await invoke(listProducts, { path: '/api/shop/products', query: { club: 'AS_MONACO', category: 'jerseys' } });
    expect(jerseys.body.items.every((p: { category: string }) => p.category === 'jerseys')).toBe(true);
  });

  it('answers one product, 404 for an unknown one, 400 for a bad id or cursor', async () => {
    expect((await invoke(getProduct, { path: '/api/shop/products/asm-home-2026', params: { id: 'asm-home-2026' } })).body).toMatchObject({ id: 'asm-home-2026', club: 'AS_MONACO', display: '89.99' });
    expect((await invoke(getProduct, { path: '/api/shop/products/nope', params: { id: 'nope' } })).status).toBe(404);
    expect((await invoke(getProduct, { path: '/api/shop/products/x', params: { id: "x'; drop table products" } })).status).toBe(400);
    expect((await invoke(listProducts, { path: '/api/shop/products', query: { cursor: 'bogus' } })).status).toBe(400);
  });
});

describe('cart', () => {
  it('adds, grows a line up to 10, sets and removes; each fan sees only their own', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const product = await newProduct(50, { price: 1250 });
    expect((await add(ana, product, 2)).body).toMatchObject({ items: [{ product_id: product, quantity: 2, unit_price: 1250, line_total: 2500 }], total: 2500 });
    expect((await add(ana, product, 3)).body.items[0].quantity).toBe(5);
    const over = await add(ana, product, 6);
    expect(over.status).toBe(422);
    expect(over.body.type).toBe('/problems/cart-line-limit');
    expect((await add(ana, 'no-such-product')).status).toBe(404);
    expect((await cart(bob)).body).toEqual({ items: [], total: 0, currency: 'EUR', display: '0.00' });
    const set = await invoke(updateCartLine, { method: 'PATCH', path: `/api/shop/cart/${product}`, token: ana.token, params: { product_id: product }, body: { quantity: 7 } });
    expect(set.body.total).toBe(7 * 1250);
    // The cart a change answers is cached for the fan's next look.
    expect(await redis()!.get(keys.cart(ana.id).key)).toEqual(set.body);
    expect((await cart(ana)).body.total).toBe(7 * 1250);
    const zero = await invoke(updateCartLine, { method: 'PATCH', path: `/api/shop/cart/${product}`, token: ana.token, params: { product_id: product }, body: { quantity: 0 } });
    expect(zero.body.items).toEqual([]);
    const gone = await invoke(removeCartLine, { method: 'DELETE', path: `/api/shop/cart/${product}`, token: ana.token, params: { product_id: product } });
    expect(gone.status).toBe(404);
  });
});

describe('checkout', () => {
  it('takes stock, debits the wallet, writes the order, empties the cart; a replay makes no second order', async () => {
    const fan = await newFan();
    await deposit(fan, 10_000);
    const [shirt, card] = [await newProduct(5, { price: 3000 }), await newProduct(5, { price: 500, nft: true, category: 'collectibles' })];
    await add(fan, shirt, 2);
    await add(fan, card, 3);
    // The lists are read, and so cached, before the purchase.
    const before = await invoke(listProducts, { path: '/api/shop/products', query: { club: 'OGC_NICE', category: 'tests', limit: '100' } });
    expect(before.body.items.find((p: { id: string }) => p.id === shirt).stock).toBe(5);
    const k = key();
    const paid = await checkout(fan, k);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ total: 7500, status: 'paid', currency: 'EUR', display: '75.00' });
    expect(paid.body.items).toEqual(expect.arrayContaining([
      { product_id: shirt, name: expect.any(String), unit_price: 3000, quantity: 2 },
      { product_id: card, name: expect.any(String), unit_price: 500, quantity: 3 },
    ]));
    const again = await checkout(fan, k);
    expect(again.raw).toBe(paid.raw);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await balanceOf(fan)).toBe(2500);
    expect([await stockOf(shirt), await stockOf(card)]).toEqual([3, 2]);
    expect((await cart(fan)).body.items).toEqual([]);
    // Read-your-write: the cached lists show the new stock at once.
    const after = await invoke(listProducts, { path: '/api/shop/products', query: { club: 'OGC_NICE', category: 'tests', limit: '100' } });
    expect(after.body.items.find((p: { id: string }) => p.id === shirt).stock).toBe(3);
    const orders = await db()`select id from orders where user_id = ${fan.id}`;
    expect(orders).toHaveLength(1);
    const [entry] = await db()<{ type: string; amount: number; metadata: { order_id: string } }[]>`
      select type, amount, metadata from transactions where user_id = ${fan.id} and type = 'purchase'`;
    expect(entry).toMatchObject({ amount: -7500, metadata: { order_id: paid.body.id } });
    const assets = (await invoke(balance, { path: '/api/wallet/balance', token: fan.token })).body.assets;
    expect(assets.collectibles.filter((c: { product_id: string }) => c.product_id === card)).toHaveLength(3);
  });

  it('refuses an empty cart and insufficient funds, leaving cart, stock and wallet as they were', async () => {
    const fan = await newFan();
    expect((await checkout(fan)).body.type).toBe('/problems/cart-empty');
    await deposit(fan, 1000);
    const product = await newProduct(5, { price: 1500 });
    await add(fan, product, 1);
    const poor = await checkout(fan);
    expect(poor.status).toBe(422);
    expect(poor.body).toMatchObject({ type: '/problems/insufficient-funds', balance: 1000, required: 1500 });
    expect(await stockOf(product)).toBe(5);
    expect(await balanceOf(fan)).toBe(1000);
    expect((await cart(fan)).body.items).toHaveLength(1);
  });

  it('answers 409 naming the products short of stock, and changes nothing', async () => {
    const fan = await newFan();
    await deposit(fan, 10_000);
    const [plenty, scarce] = [await newProduct(10), await newProduct(1)];
    await add(fan, plenty, 2);
    await add(fan, scarce, 2);
    const short = await checkout(fan);
    expect(short.status).toBe(409);
    expect(short.body).toMatchObject({ type: '/problems/sold-out', products: [scarce] });
    expect(short.body.detail).toContain(scarce);
    expect([await stockOf(plenty), await stockOf(scarce)]).toEqual([10, 1]);
    expect(await balanceOf(fan)).toBe(10_000);
    expect((await cart(fan)).body.items).toHaveLength(2);
  });

  it('100 buyers at once for the last 40 units: exactly 40 sold, no stock below 0, refused wallets untouched', async () => {
    const product = await newProduct(40, { price: 700 });
    // Set up ten at a time (registering hashes a password); only the checkouts race.
    const buyers: Fan[] = [];
    while (buyers.length < 100) {
      buyers.push(...(await Promise.all(Array.from({ length: 10 }, async () => {
        const fan = await newFan();
        await deposit(fan, 1000);
        await add(fan, product, 1);
        return fan;
      }))));
    }
    const answers = await Promise.all(buyers.map((fan) => checkout(fan)));
    const sold = answers.filter((a) => a.status === 201);
    expect(sold).toHaveLength(40);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(60);
    expect(answers.every((a) => a.status === 201 || a.body.type === '/problems/sold-out')).toBe(true);
    expect(await stockOf(product)).toBe(0);
    const ids = buyers.map((b) => b.id);
    const [books] = await db()<{ orders: number; with_transfer: number; paid: number; untouched: number }[]>`
      select
        (select count(*)::int from orders where user_id = any(${ids}::uuid[])) as orders,
        (select count(*)::int from orders o join transactions t on t.transfer_id = o.transfer_id and t.user_id = o.user_id
           where o.user_id = any(${ids}::uuid[]) and t.amount = -o.total) as with_transfer,
        (select count(*)::int from wallets where user_id = any(${ids}::uuid[]) and balance = 300) as paid,
        (select count(*)::int from wallets where user_id = any(${ids}::uuid[]) and balance = 1000) as untouched`;
    expect(books).toEqual({ orders: 40, with_transfer: 40, paid: 40, untouched: 60 });
  }, 120_000);
});

describe('orders', () => {
  it('lists and shows the fan\'s orders only, and cancels a paid one: refunded, restocked, once', async () => {
    const [ana, eve] = [await newFan(), await newFan()];
    await deposit(ana, 10_000);
    const product = await newProduct(10, { price: 2000, nft: true });
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      await add(ana, product, 1);
      orderIds.push((await checkout(ana)).body.id);
    }
    const page1 = await invoke(listOrders, { path: '/api/shop/orders', token: ana.token, query: { limit: '2' } });
    const page2 = await invoke(listOrders, { path: '/api/shop/orders', token: ana.token, query: { limit: '2', cursor: page1.body.next_cursor } });
    expect([...page1.body.items, ...page2.body.items].map((o: { id: string }) => o.id)).toEqual([...orderIds].reverse());
    expect(page2.body.next_cursor).toBeNull();
    const id = orderIds[0]!;
    expect((await invoke(getOrder, { path: `/api/shop/orders/${id}`, token: ana.token, params: { id } })).body.id).toBe(id);
    expect((await invoke(getOrder, { path: `/api/shop/orders/${id}`, token: eve.token, params: { id } })).status).toBe(404);
    expect((await cancel(eve, id)).status).toBe(404);

    const k = key();
    const cancelled = await cancel(ana, id, k);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await cancel(ana, id, k)).raw).toBe(cancelled.raw);
    const twice = await cancel(ana, id);
    expect(twice.status).toBe(409);
    expect(twice.body.type).toBe('/problems/order-not-cancellable');
    expect(await balanceOf(ana)).toBe(10_000 - 2 * 2000);
    expect(await stockOf(product)).toBe(8);
    const assets = (await invoke(balance, { path: '/api/wallet/balance', token: ana.token })).body.assets;
    expect(assets.collectibles.filter((c: { order_id: string }) => c.order_id === id)).toHaveLength(0);
    expect(assets.collectibles).toHaveLength(2);
    const [refund] = await db()<{ reverses: string }[]>`
      select r.reverses from transfers r join orders o on o.transfer_id = r.reverses where o.id = ${id} and r.kind = 'refund'`;
    expect(refund).toBeDefined();
  });
});

describe('the ledger after the shop', () => {
  it('still balances: every transfer sums to zero, every wallet equals its entries, no fan below zero', async () => {
    const [books] = await db()<{ unbalanced: number; drifted: number; negative: number }[]>`
      select
        (select count(*)::int from (select transfer_id from transactions group by transfer_id having sum(amount) <> 0) u) as unbalanced,
        (select count(*)::int from wallets w where w.balance <> (select coalesce(sum(amount), 0) from transactions t where t.wallet_id = w.id)) as drifted,
        (select count(*)::int from wallets where user_id is not null and balance < 0) as negative`;
    expect(books).toEqual({ unbalanced: 0, drifted: 0, negative: 0 });
  });
});
