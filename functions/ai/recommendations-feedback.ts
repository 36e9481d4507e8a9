import { api } from '../../lib/http/api';
import { giveFeedback } from '../../lib/recommendations/feedback';
import { giveRecommendationFeedback } from '../../lib/recommendations/routes';

export const handler = api(giveRecommendationFeedback, async ({ user, params, body }) => ({ status: 200, body: await giveFeedback(user.id, params.id, body) }));
