import { route } from '../http/route';
import { Feedback, FeedbackBody, RecommendationList, RecommendationParams, RecommendationsQuery } from './schemas';

const tags = ['ai'] as const;

export const getRecommendations = /* @__PURE__ */ route({
  operationId: 'getRecommendations',
  method: 'GET',
  path: '/api/ai/recommendations',
  summary:
    'Products, upcoming matches and eSIM plans you may want, best first, each with its one-line reason and a confidence from 0 to 1: ' +
    "what fans who bought what you bought also bought, your club's favourites, and the eSIM for a match abroad; `?limit` from 1 to 20",
  tags,
  auth: 'required',
  query: RecommendationsQuery,
  responses: { 200: { description: 'Your recommendations', schema: RecommendationList } },
});

export const giveRecommendationFeedback = /* @__PURE__ */ route({
  operationId: 'giveRecommendationFeedback',
  method: 'POST',
  path: '/api/ai/recommendations/{id}/feedback',
  summary: '"useful" weighs an item up in your next recommendations; "not_interested" never shows it again. Again answers the same',
  tags,
  auth: 'required',
  params: RecommendationParams,
  body: FeedbackBody,
  responses: { 200: { description: 'Your feedback, recorded', schema: Feedback }, 404: { description: 'No recommendation of yours has this id' } },
});
