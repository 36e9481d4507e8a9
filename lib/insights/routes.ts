import { route } from '../http/route';
import { Insights, Predictions, Stats } from './schemas';

const tags = ['ai'] as const;

export const getInsights = /* @__PURE__ */ route({
  operationId: 'getInsights',
  method: 'GET',
  path: '/api/ai/insights',
  summary: "What your purchases say: favourite team and player, shopping style, and your club's sell-out forecasts; up to 30 minutes old",
  tags,
  auth: 'required',
  responses: { 200: { description: 'The insights, each with the figures and the reason behind it', schema: Insights } },
});

export const getPredictions = /* @__PURE__ */ route({
  operationId: 'getPredictions',
  method: 'GET',
  path: '/api/ai/predictions',
  summary: "Whether your club's next matches sell out at the pace their tickets sell, with the figures used, and your likely next purchase; up to 30 minutes old",
  tags,
  auth: 'required',
  responses: { 200: { description: 'The forecasts, per match and seat category, and the likely next purchase', schema: Predictions } },
});

export const getStats = /* @__PURE__ */ route({
  operationId: 'getStats',
  method: 'GET',
  path: '/api/stats',
  summary: 'Platform figures: fans, clubs, tickets sold, orders, eSIMs and the money moved; up to a minute old',
  tags: ['platform'],
  auth: 'lenient',
  responses: { 200: { description: 'The figures', schema: Stats } },
});
