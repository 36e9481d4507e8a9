import * as z from 'zod/mini';
import { plainText, schema } from '../http/schemas';
import { Product } from '../shop/schemas';
import { Event } from '../tickets/schemas';

/** Items per page of the feed, and how deep it goes: 50 pages of 20. */
export const PAGE_SIZE = 20;
export const PAGES_MAX = 50;

export const PostBody = /* @__PURE__ */ schema(() => z.strictObject({ text: z.string().check(z.trim(), z.minLength(1), z.maxLength(1000), plainText()) }));
export const PostParams = /* @__PURE__ */ schema(() => z.strictObject({ id: z.uuid({ error: 'Must be a post id' }) }));
export const FeedQuery = /* @__PURE__ */ schema(() =>
  z.strictObject({ page: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(PAGES_MAX)), 1) }),
);

export const Post = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    author: z.object({ id: z.string(), name: z.string() }),
    club: z.string(),
    text: z.string(),
    like_count: z.number(),
    liked_by_me: z.boolean(),
    created_at: z.string(),
  }),
);

/** What every feed item carries besides its own view: its kind, its gravity score and when it appeared. */
const Ranked = /* @__PURE__ */ schema(() => ({ score: z.number(), created_at: z.string() }));
export const FeedItem = /* @__PURE__ */ schema(() =>
  z.discriminatedUnion('type', [
    z.extend(Post, { type: z.literal('post'), ...Ranked }),
    z.extend(Event, { type: z.literal('event'), ...Ranked }),
    z.extend(Product, { type: z.literal('product'), ...Ranked }),
  ]),
);
export const FeedPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(FeedItem), page: z.number(), next_page: z.nullable(z.number()) }));

export type PostInput = z.infer<typeof PostBody>;
export type PostView = z.infer<typeof Post>;
export type FeedFilter = z.infer<typeof FeedQuery>;
export type FeedItemView = z.infer<typeof FeedItem>;
export type FeedPageView = z.infer<typeof FeedPage>;
