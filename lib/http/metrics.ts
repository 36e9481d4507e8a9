import { count, publish } from '../metrics';
import type { HttpRequest, Middleware } from './types';

/** Publishes what the request counted, and counts it among the errors when it ended in a 5xx. */
export const metrics = (): Middleware => {
  const finish = (request: HttpRequest) => {
    if ((request.response?.statusCode ?? 500) >= 500) count('Errors', 1, { route: request.context.http.route });
    publish();
  };
  return { after: finish, onError: finish };
};
