import * as z from 'zod/mini';
import { ClubId, PageQuery, plainText, schema } from '../http/schemas';
import { ClubScope } from '../staff/schemas';

/** Product and club ids as the demo data and the old API spell them. */
const Slug = /* @__PURE__ */ schema(() => z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Must be an id such as asm-home-2026' })));
const Category = /* @__PURE__ */ schema(() => z.string().check(z.regex(/^[a-z_]{1,40}$/, { error: 'Must be a category such as jerseys' })));
const ORDER_STATUSES = ['paid', 'shipped', 'delivered', 'refunded', 'cancelled'] as const;
/** At most 10 of a product per cart line. */
export const LINE_MAX = 10;

export const ProductsQuery = /* @__PURE__ */ schema(() =>
  z.strictObject({
    ...PageQuery,
    club: z.optional(ClubId),
    category: z.optional(Category),
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
    status: z.enum(ORDER_STATUSES),
    created_at: z.string(),
  }),
);
export const OrderPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Order), next_cursor: z.nullable(z.string()) }));

/** Cents, up to a million euros. */
const Price = /* @__PURE__ */ schema(() => z.number().check(z.int(), z.minimum(0), z.maximum(100_000_000)));
const Label = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), plainText());
const ProductName = /* @__PURE__ */ schema(() => Label(200));
/** The player a product is about (a flocked jersey, a collector card). */
const Player = /* @__PURE__ */ schema(() => Label(100));
const ImageUrl = /* @__PURE__ */ schema(() =>
  z.string().check(z.maxLength(500), z.regex(/^https:\/\/[^\s"'<>]+$/, { error: 'Must be an https URL' })),
);
const STOCK_MAX = 1_000_000;

/** What the club's staff may set on a product; the discount follows from the prices, the stock moves through stock changes. */
const productFields = () => ({
  name: ProductName,
  category: Category,
  price: Price,
  /** The price before the markdown, at least `price`; null for none. */
  old_price: z.optional(z.nullable(Price)),
  player: z.optional(z.nullable(Player)),
  nft: z.boolean(),
  image: z.optional(z.nullable(ImageUrl)),
  /** false withdraws it from sale: no fan sees it or buys it. */
  active: z.optional(z.boolean()),
});

export const ProductCreateBody = /* @__PURE__ */ schema(() =>
  z.strictObject({
    ...productFields(),
    club: ClubId,
    /** Made from the club and the name when not given. */
    id: z.optional(Slug),
    stock: z.number().check(z.int(), z.minimum(0), z.maximum(STOCK_MAX)),
  }),
);
export const ProductPatchBody = /* @__PURE__ */ schema(() =>
  z.partial(z.strictObject(productFields())).check(z.refine((b) => Object.keys(b).length > 0, { error: 'Send at least one field to change' })),
);
/** A stock change made by the club's staff: units received (positive) or taken out (negative), never 0, and why. */
export const StockChangeBody = /* @__PURE__ */ schema(() =>
  z.strictObject({
    change: z.number().check(z.int(), z.minimum(-STOCK_MAX), z.maximum(STOCK_MAX), z.refine((n) => n !== 0, { error: 'Must not be 0' })),
    reason: Label(200),
  }),
);
export const AdminProductsQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery, ...ClubScope }));

export const AdminOrdersQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery, ...ClubScope, status: z.optional(z.enum(ORDER_STATUSES)) }));

export const AdminProduct = /* @__PURE__ */ schema(() =>
  z.object({ ...Product.shape, player: z.nullable(z.string()), image: z.nullable(z.string()), active: z.boolean() }),
);
export const AdminProductPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(AdminProduct), next_cursor: z.nullable(z.string()) }));

export const StockChange = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    product_id: z.string(),
    change: z.number(),
    reason: z.string(),
    /** The stock the change left. */
    stock: z.number(),
    by: z.string(),
    at: z.string(),
  }),
);

export const AdminOrder = /* @__PURE__ */ schema(() =>
  z.object({
    ...Order.shape,
    /** The clubs whose products it holds. */
    clubs: z.array(z.string()),
    fan: z.object({ id: z.string(), name: z.string(), email: z.string() }),
  }),
);
export const AdminOrderPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(AdminOrder), next_cursor: z.nullable(z.string()) }));

export type ProductsFilter = z.infer<typeof ProductsQuery>;
export type CartAddInput = z.infer<typeof CartAddBody>;
export type OrdersFilter = z.infer<typeof OrdersQuery>;
export type ProductView = z.infer<typeof Product>;
export type CartView = z.infer<typeof Cart>;
export type OrderView = z.infer<typeof Order>;
export type ProductCreateInput = z.infer<typeof ProductCreateBody>;
export type ProductPatchInput = z.infer<typeof ProductPatchBody>;
export type StockChangeInput = z.infer<typeof StockChangeBody>;
export type AdminProductsFilter = z.infer<typeof AdminProductsQuery>;
export type AdminOrdersFilter = z.infer<typeof AdminOrdersQuery>;
export type AdminProductView = z.infer<typeof AdminProduct>;
export type StockChangeView = z.infer<typeof StockChange>;
export type AdminOrderView = z.infer<typeof AdminOrder>;
