import { keys } from '../cache';

/**
 * The fan's computed recommendations, 5 minutes: other fans' purchases move
 * the figures slowly, and the fan's own purchases and feedback clear it.
 * A module of its own, so that the purchases clearing it carry nothing else.
 */
export const recommendationsKey = (userId: string) => keys.ai(`recommendations:${userId}`, 5 * 60);
