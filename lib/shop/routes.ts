import { route } from '../http/route';
import {
  AdminOrder, AdminOrderPage, AdminOrdersQuery, AdminProduct, AdminProductPage, AdminProductsQuery, ProductCreateBody, ProductPatchBody, StockChange,
  StockChangeBody, Cart, CartAddBody, CartLineParams, CartUpdateBody, Order, OrderPage, OrderParams, OrdersQuery, Product, ProductPage, ProductParams,
  ProductsQuery,
} from './schemas';

const tags = ['shop'] as const;

export const listProducts = /* @__PURE__ */ route({
  operationId: 'listProducts',
  method: 'GET',
  path: '/api/shop/products',
  summary: "Club merchandise, by id; `?club=AS_MONACO&category=jerseys` filter it",
  tags,
  auth: 'lenient',
  query: ProductsQuery,
  responses: { 200: { description: 'A page of products', schema: ProductPage } },
});

export const getProduct = /* @__PURE__ */ route({
  operationId: 'getProduct',
  method: 'GET',
  path: '/api/shop/products/{id}',
  summary: 'One product, with its stock',
  tags,
  auth: 'lenient',
  params: ProductParams,
  responses: { 200: { description: 'The product', schema: Product }, 404: { description: 'No such product' } },
});

export const getCart = /* @__PURE__ */ route({
  operationId: 'getCart',
  method: 'GET',
  path: '/api/shop/cart',
  summary: "The fan's cart at today's prices",
  tags,
  auth: 'required',
  responses: { 200: { description: 'The cart', schema: Cart } },
});

export const addToCart = /* @__PURE__ */ route({
  operationId: 'addToCart',
  method: 'POST',
  path: '/api/shop/cart',
  summary: 'Add a product (an existing line grows, to at most 10)',
  tags,
  auth: 'required',
  body: CartAddBody,
  responses: { 200: { description: 'The cart', schema: Cart }, 404: { description: 'No such product on sale' }, 422: { description: 'Over 10 of a product' } },
});

export const updateCartLine = /* @__PURE__ */ route({
  operationId: 'updateCartLine',
  method: 'PATCH',
  path: '/api/shop/cart/{product_id}',
  summary: "Set a line's quantity (0 removes it)",
  tags,
  auth: 'required',
  params: CartLineParams,
  body: CartUpdateBody,
  responses: { 200: { description: 'The cart', schema: Cart }, 404: { description: 'Not in the cart' } },
});

export const removeCartLine = /* @__PURE__ */ route({
  operationId: 'removeCartLine',
  method: 'DELETE',
  path: '/api/shop/cart/{product_id}',
  summary: 'Remove a line',
  tags,
  auth: 'required',
  params: CartLineParams,
  responses: { 200: { description: 'The cart', schema: Cart }, 404: { description: 'Not in the cart' } },
});

export const checkout = /* @__PURE__ */ route({
  operationId: 'checkout',
  method: 'POST',
  path: '/api/shop/checkout',
  summary: 'Buy the cart from the wallet: stock, payment and order together',
  tags,
  auth: 'required',
  idempotent: true,
  responses: {
    201: { description: 'The paid order', schema: Order },
    409: { description: 'Not enough stock for some products (`sold-out`), or some no longer for sale (`product-unavailable`), named; nothing changed' },
    422: { description: 'Empty cart, or insufficient funds' },
  },
});

export const listOrders = /* @__PURE__ */ route({
  operationId: 'listOrders',
  method: 'GET',
  path: '/api/shop/orders',
  summary: "The fan's orders, newest first",
  tags,
  auth: 'required',
  query: OrdersQuery,
  responses: { 200: { description: 'A page of orders', schema: OrderPage } },
});

export const getOrder = /* @__PURE__ */ route({
  operationId: 'getOrder',
  method: 'GET',
  path: '/api/shop/orders/{id}',
  summary: 'One order of yours',
  tags,
  auth: 'required',
  params: OrderParams,
  responses: { 200: { description: 'The order', schema: Order }, 404: { description: 'No such order of yours' } },
});

export const cancelOrder = /* @__PURE__ */ route({
  operationId: 'cancelOrder',
  method: 'POST',
  path: '/api/shop/orders/{id}/cancel',
  summary: 'Cancel a paid order that has not shipped: refunded, restocked',
  tags,
  auth: 'required',
  idempotent: true,
  params: OrderParams,
  responses: {
    200: { description: 'The cancelled order', schema: Order },
    404: { description: 'No such order of yours' },
    409: { description: 'Not cancellable any more' },
  },
});

// One tag for the whole back office, so the reference lists it apart from what fans call.
const adminTags = ['admin'] as const;
const notYours = { description: 'No such product, or not one of a club you are an admin of' } as const;
const noOrder = { description: 'No such order, or none holding products of a club you are an admin of' } as const;
const spansClubs = 'it also holds products of a club you are not an admin of (`order-spans-clubs`)';

export const adminListProducts = /* @__PURE__ */ route({
  operationId: 'adminListProducts',
  method: 'GET',
  path: '/api/admin/products',
  summary: "The products of the admin's clubs (`?club` narrows to one), by id, with their stock, withdrawn ones too",
  tags: adminTags,
  auth: 'required',
  query: AdminProductsQuery,
  responses: { 200: { description: 'A page of products', schema: AdminProductPage }, 404: { description: 'No club of yours' } },
});

export const adminCreateProduct = /* @__PURE__ */ route({
  operationId: 'adminCreateProduct',
  method: 'POST',
  path: '/api/admin/products',
  summary: 'Add a product to the club shop, with its first stock; its discount follows from its prices',
  tags: adminTags,
  auth: 'required',
  idempotent: true,
  body: ProductCreateBody,
  responses: {
    201: { description: 'The product', schema: AdminProduct },
    404: { description: 'No such club of yours' },
    409: { description: 'A product has this id already (`product-exists`)' },
    422: { description: 'An old price below the price (`old-price-below-price`)' },
  },
});

export const adminUpdateProduct = /* @__PURE__ */ route({
  operationId: 'adminUpdateProduct',
  method: 'PATCH',
  path: '/api/admin/products/{id}',
  summary: 'Change a product: name, prices, category, player, nft, image, or `active` (false withdraws it from sale)',
  tags: adminTags,
  auth: 'required',
  params: ProductParams,
  body: ProductPatchBody,
  responses: {
    200: { description: 'The product', schema: AdminProduct },
    404: notYours,
    422: { description: 'An old price below the price (`old-price-below-price`)' },
  },
});

export const adminChangeStock = /* @__PURE__ */ route({
  operationId: 'adminChangeStock',
  method: 'POST',
  path: '/api/admin/products/{id}/stock',
  summary: 'Receive stock (a positive change) or take it out (negative), with the reason',
  tags: adminTags,
  auth: 'required',
  idempotent: true,
  params: ProductParams,
  body: StockChangeBody,
  responses: {
    201: { description: 'The change, with the stock it left', schema: StockChange },
    404: notYours,
    409: { description: 'It would take the stock below zero (`not-enough-stock`, with the `stock` there is); nothing changed' },
  },
});

export const adminListOrders = /* @__PURE__ */ route({
  operationId: 'adminListOrders',
  method: 'GET',
  path: '/api/admin/orders',
  summary: "The orders holding products of the admin's clubs (`?club` narrows to one, `?status` filters), newest first, with their fans",
  tags: adminTags,
  auth: 'required',
  query: AdminOrdersQuery,
  responses: { 200: { description: 'A page of orders', schema: AdminOrderPage }, 404: { description: 'No club of yours' } },
});

export const adminShipOrder = /* @__PURE__ */ route({
  operationId: 'adminShipOrder',
  method: 'POST',
  path: '/api/admin/orders/{id}/ship',
  summary: 'Mark a paid order shipped; its fan is notified',
  tags: adminTags,
  auth: 'required',
  params: OrderParams,
  responses: {
    200: { description: 'The shipped order', schema: AdminOrder },
    404: noOrder,
    409: { description: `Not paid (\`order-status\`), or ${spansClubs}` },
  },
});

export const adminDeliverOrder = /* @__PURE__ */ route({
  operationId: 'adminDeliverOrder',
  method: 'POST',
  path: '/api/admin/orders/{id}/deliver',
  summary: 'Mark a shipped order delivered; its fan is notified',
  tags: adminTags,
  auth: 'required',
  params: OrderParams,
  responses: {
    200: { description: 'The delivered order', schema: AdminOrder },
    404: noOrder,
    409: { description: `Not shipped (\`order-status\`), or ${spansClubs}` },
  },
});

export const adminRefundOrder = /* @__PURE__ */ route({
  operationId: 'adminRefundOrder',
  method: 'POST',
  path: '/api/admin/orders/{id}/refund',
  summary: "Refund a paid or shipped order as its fan's cancellation would: the payment reversed, the stock returned, the collectibles taken back; its fan is notified",
  tags: adminTags,
  auth: 'required',
  idempotent: true,
  params: OrderParams,
  responses: {
    200: { description: 'The refunded order', schema: AdminOrder },
    404: noOrder,
    409: { description: `Neither paid nor shipped (\`order-status\`), or ${spansClubs}` },
  },
});
