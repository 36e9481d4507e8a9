import { api } from '../../lib/http/api';
import { recommendationsFor } from '../../lib/recommendations/recommender';
import { getRecommendations } from '../../lib/recommendations/routes';

export const handler = api(getRecommendations, async ({ user, query }) => ({
  status: 200,
  body: { recommendations: await recommendationsFor(user.id, query.limit) },
}));
