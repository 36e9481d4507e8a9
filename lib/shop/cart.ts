import { cached, keys, versionsOf, writeBack } from '../cache';
import { db, pgCode } from '../db';
import { accountGone, notFound, refused } from '../http/problem';
import { display } from '../money';
import { LINE_MAX, type CartAddInput, type CartView } from './schemas';

type LineRow = { product_id: string; name: string; unit_price: number; quantity: number; in_stock: boolean };

const loadCart = async (userId: string): Promise<CartView> => {
  const rows = await db()<LineRow[]>`
    select c.product_id, p.name, p.price as unit_price, c.quantity, p.active and p.stock >= c.quantity as in_stock
    from cart c join products p on p.id = c.product_id
    where c.user_id = ${userId}
    order by c.added_at, c.product_id`;
  const items = rows.map((r) => ({ ...r, line_total: r.unit_price * r.quantity }));
  const total = items.reduce((sum, line) => sum + line.line_total, 0);
  return { items, total, currency: 'EUR', display: display(total) };
};

/** The fan's cart at today's prices; a line whose quantity is no longer in stock, or no longer for sale, says so. */
export const getCart = (userId: string): Promise<CartView> => cached(keys.cart(userId), () => loadCart(userId));

/**
 * Makes a change to the fan's cart and answers the cart after it, read from
 * Postgres and cached for the fan's next look unless another change came
 * in between (`writeBack`: the key's version is noted before the change).
 */
const changing = async (userId: string, change: () => Promise<void>): Promise<CartView> => {
  const entry = keys.cart(userId);
  const [noted] = await versionsOf(entry);
  await change();
  const cart = await loadCart(userId);
  await writeBack([{ entry, value: cart, noted: noted ?? null }]);
  return cart;
};

const lineLimit = () => refused('cart-line-limit', `A cart line holds at most ${LINE_MAX} of a product.`, { limit: LINE_MAX });
const noSuchLine = () => notFound('This product is not in your cart.');

const noSuchProduct = () => notFound('No product has this id.');

/** Adds to the cart a product on sale (a withdrawn one is not found, as on its page); a product already there has its line grow (to at most 10). */
export const addToCart = (userId: string, input: CartAddInput): Promise<CartView> =>
  changing(userId, async () => {
    const sql = db();
    try {
      const added = await sql`
        insert into cart (user_id, product_id, quantity)
        select ${userId}, id, ${input.quantity} from products where id = ${input.product_id} and active
        on conflict (user_id, product_id) do update set quantity = cart.quantity + excluded.quantity
        where cart.quantity + excluded.quantity <= ${LINE_MAX}
        returning 1`;
      if (added.count > 0) return;
    } catch (error) {
      // The fan must exist (the cart's foreign key).
      if (pgCode(error) === '23503') throw accountGone();
      throw error;
    }
    const [onSale] = await sql`select 1 from products where id = ${input.product_id} and active`;
    throw onSale ? lineLimit() : noSuchProduct();
  });

/** Sets a line's quantity; 0 removes it. */
export const updateLine = (userId: string, productId: string, quantity: number): Promise<CartView> =>
  changing(userId, async () => {
    const sql = db();
    const touched =
      quantity === 0
        ? await sql`delete from cart where user_id = ${userId} and product_id = ${productId}`
        : await sql`update cart set quantity = ${quantity} where user_id = ${userId} and product_id = ${productId}`;
    if (touched.count === 0) throw noSuchLine();
  });

export const removeLine = (userId: string, productId: string): Promise<CartView> => updateLine(userId, productId, 0);
