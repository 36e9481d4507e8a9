import { keys } from '../cache';

// A module of their own, as lib/recommendations/keys.ts: closing an account clears them and carries nothing else of insights.

/** A fan's insights and forecasts, 30 minutes: months of purchases move them slowly. */
export const insightsKey = (userId: string) => keys.ai(`insights:${userId}`, 30 * 60);
export const predictionsKey = (userId: string) => keys.ai(`predictions:${userId}`, 30 * 60);
