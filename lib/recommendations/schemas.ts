import * as z from 'zod/mini';
import { schema } from '../http/schemas';

/** How many recommendations are worked out (and stored) per fan; `?limit` reads the first ones. */
export const RECOMMENDATIONS_MAX = 20;

export const RecommendationsQuery = /* @__PURE__ */ schema(() =>
  z.strictObject({ limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(RECOMMENDATIONS_MAX)), 10) }),
);
export const RecommendationParams = /* @__PURE__ */ schema(() => z.strictObject({ id: z.uuid({ error: 'Must be a recommendation id' }) }));
export const FeedbackBody = /* @__PURE__ */ schema(() => z.strictObject({ feedback: z.enum(['useful', 'not_interested']) }));

export const ItemType = /* @__PURE__ */ schema(() => z.enum(['product', 'event', 'esim_plan']));

export const Recommendation = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    type: ItemType,
    /** The id of the product, event or eSIM plan recommended. */
    item: z.string(),
    title: z.string(),
    /** Why, in one line, from the same figures as `confidence`. */
    content: z.string(),
    tags: z.array(z.string()),
    confidence: z.number(),
  }),
);
export const RecommendationList = /* @__PURE__ */ schema(() => z.object({ recommendations: z.array(Recommendation) }));

export const Feedback = /* @__PURE__ */ schema(() =>
  z.object({ id: z.string(), type: ItemType, item: z.string(), feedback: z.enum(['useful', 'not_interested']) }),
);

export type ItemKind = z.infer<typeof ItemType>;
export type RecommendationView = z.infer<typeof Recommendation>;
export type RecommendationsFilter = z.infer<typeof RecommendationsQuery>;
export type FeedbackInput = z.infer<typeof FeedbackBody>;
export type FeedbackView = z.infer<typeof Feedback>;
