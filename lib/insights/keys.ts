import { keys } from '../cache';

// A module of their own, so that what clears them (closing an account) carries nothing else of insights.

/** The fan's insights, 30 minutes: drawn from months of purchases, which a new one barely moves. */
export const insightsKey = (userId: string) => keys.ai(`insights:${userId}`, 30 * 60);

/** The fan's club's sell-out forecasts and their likely next purchase, 30 minutes. */
export const predictionsKey = (userId: string) => keys.ai(`predictions:${userId}`, 30 * 60);
