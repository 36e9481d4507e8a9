import { envelope } from '../../lib/http/api';
import { notFound } from '../../lib/http/problem';

/** API Gateway's catch-all route: unknown paths answer a problem like every error. */
export const handler = envelope().handler(async (event) => {
  throw notFound(`No endpoint answers ${event.requestContext.http.method} ${event.rawPath}.`);
});
