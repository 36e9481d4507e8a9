import { route } from '../http/route';
import {
  Cart, CartAddBody, CartLineParams, CartUpdateBody, Order, OrderPage, OrderParams, OrdersQuery, Product, ProductPage, ProductParams,
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
  responses: { 200: { description: 'The cart', schema: Cart }, 404: { description: 'No such product' }, 422: { description: 'Over 10 of a product' } },
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
    409: { description: 'Not enough stock for some products (named); nothing changed' },
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
