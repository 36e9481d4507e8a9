import { cached } from '../cache';
import { recommendationsFor } from '../recommendations/recommender';
import { iso } from '../wallet/movement';
import { forecastsFor } from './forecasts';
import { predictionsKey } from './keys';
import type { PredictionsView } from './schemas';

/** The sell-out forecasts of the fan's club's next matches and their likely next purchase, cached 30 minutes. */
export const predictions = (userId: string): Promise<PredictionsView> =>
  cached(predictionsKey(userId), async () => {
    const [{ clubId, now, matches }, [next]] = await Promise.all([forecastsFor(userId), recommendationsFor(userId, 1)]);
    return { club_id: clubId, events: matches, likely_next_purchase: next ?? null, generated_at: iso(now) };
  });
