import * as z from 'zod/mini';
import { ClubId, PageQuery, schema } from '../http/schemas';

/** Product and club ids as the demo data and the old API spell them. */
const Slug = /* @__PURE__ */ schema(() => z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Must be an id such as asm-home-2026' })));
/** At most 10 of a product per cart line. */
export const LINE_MAX = 10;

export const ProductsQuery = /* @__PURE__ */ schema(() =>
  z.strictObject({
    ...PageQuery,
    club: z.optional(ClubId),
    category: z.optional(z.string().check(z.regex(/^[a-z_]{1,40}$/, { error: 'Must be a category such as jerseys' }))),
  }),
);
export const ProductParams = /* @__PURE__ */ schema(() => z.strictObject({ id: Slug }));

export const CartAddBody = /* @__PURE__ */ schema(() =>
  z.strictObject({ product_id: Slug, quantity: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(LINE_MAX)), 1) }),
);
export const CartUpdateBody = /* @__PURE__ */ schema(() => z.strictObject({ quantity: z.number().check(z.int(), z.minimum(0), z.maximum(LINE_MAX)) }));
export const CartLineParams = /* @__PURE__ */ schema(() => z.strictObject({ product_id: Slug }));

export const OrdersQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery }));
export const OrderParams = /* @__PURE__ */ schema(() => z.strictObject({ id: z.uuid({ error: 'Must be an order id' }) }));

export const Product = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    club: z.string(),
    category: z.string(),
    price: z.number(),
    old_price: z.nullable(z.number()),
    discount: z.number(),
    stock: z.number(),
    nft: z.boolean(),
    currency: z.string(),
    display: z.string(),
  }),
);
export const ProductPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Product), next_cursor: z.nullable(z.string()) }));

const CartLine = /* @__PURE__ */ schema(() =>
  z.object({
    product_id: z.string(),
    name: z.string(),
    unit_price: z.number(),
    quantity: z.number(),
    line_total: z.number(),
    in_stock: z.boolean(),
  }),
);
export const Cart = /* @__PURE__ */ schema(() =>
  z.object({ items: z.array(CartLine), total: z.number(), currency: z.string(), display: z.string() }),
);

const OrderItem = /* @__PURE__ */ schema(() =>
  z.object({ product_id: z.string(), name: z.string(), unit_price: z.number(), quantity: z.number() }),
);
export const Order = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    items: z.array(OrderItem),
    total: z.number(),
    currency: z.string(),
    display: z.string(),
    status: z.enum(['paid', 'shipped', 'delivered', 'refunded', 'cancelled']),
    created_at: z.string(),
  }),
);
export const OrderPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Order), next_cursor: z.nullable(z.string()) }));

export type ProductsFilter = z.infer<typeof ProductsQuery>;
export type CartAddInput = z.infer<typeof CartAddBody>;
export type OrdersFilter = z.infer<typeof OrdersQuery>;
export type ProductView = z.infer<typeof Product>;
export type CartView = z.infer<typeof Cart>;
export type OrderView = z.infer<typeof Order>;
