import { count, exceeded } from '../rate-limit';
import { limitOf, type Route } from './route';
import { sourceIp, type Middleware } from './types';

/**
 * Counts each request against its route's rate-limit class: per fan once
 * authenticated, else per IP. Every answer then tells the client what is
 * left (the IETF RateLimit header fields); one over the limit is a 429 with
 * `Retry-After`. When Redis does not answer the request passes, unlimited.
 */
export const rateLimit = (route: Route): Middleware => {
  const name = limitOf(route);
  return {
    before: async (request) => {
      const state = request.context.http;
      const quota = await count(name, state.user?.id ?? sourceIp(request.event));
      if (!quota) return;
      state.headers = {
        ...state.headers,
        'RateLimit-Limit': String(quota.limit),
        'RateLimit-Remaining': String(quota.remaining),
        'RateLimit-Reset': String(quota.reset),
      };
      if (!quota.allowed) throw exceeded(quota);
    },
  };
};
