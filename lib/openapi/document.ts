import type { $ZodType } from 'zod/v4/core';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { config } from '../config';
import { ProblemSchema } from '../http/schemas';
import type { Route } from '../http/route';

const json = (schema: $ZodType, type = 'application/json') => ({ content: { [type]: { schema } } });

const problem = (description: string) => ({ description, ...json(ProblemSchema, 'application/problem+json') });

/** The answers any endpoint may give, beside the ones its route declares. */
const commonErrors = (r: Route) => ({
  // Every endpoint refuses a query or body it does not take.
  400: problem('Invalid input; `errors` lists each field'),
  ...(r.auth === 'optional' || r.auth === 'required' || r.idempotent ? { 401: problem('Missing, invalid or expired access token') } : {}),
  // Checked on any body, before an endpoint that takes none says so.
  413: problem('Body over 64 KiB'),
  415: problem('Body is not JSON'),
  ...(r.idempotent
    ? {
        409: problem('The same Idempotency-Key is still being processed'),
        422: problem('Refused, or the Idempotency-Key was used with another body'),
      }
    : {}),
  429: problem('Rate limited; see Retry-After'),
  500: problem('Unexpected error; the problem carries the request id'),
  503: problem('Database unavailable'),
});

const operation = (r: Route): ZodOpenApiOperationObject => ({
  operationId: r.operationId,
  summary: r.summary,
  tags: [...r.tags],
  security: r.auth === 'required' || r.idempotent ? [{ bearer: [] }] : r.auth === 'optional' || r.auth === 'lenient' ? [{ bearer: [] }, {}] : [],
  ...(r.query || r.params ? { requestParams: { ...(r.query ? { query: r.query } : {}), ...(r.params ? { path: r.params } : {}) } } : {}),
  ...(r.idempotent
    ? {
        parameters: [
          {
            in: 'header' as const,
            name: 'Idempotency-Key',
            required: true,
            description: 'Unique per intended operation (1–255 chars); kept 24 h',
            schema: { type: 'string' as const, minLength: 1, maxLength: 255 },
          },
        ],
      }
    : {}),
  ...(r.body ? { requestBody: { required: true, ...json(r.body) } } : {}),
  responses: {
    ...commonErrors(r),
    ...Object.fromEntries(
      Object.entries(r.responses).map(([status, { description, schema }]) => [
        status,
        schema ? { description, ...json(schema) } : Number(status) >= 400 ? problem(description) : { description },
      ]),
    ),
  },
});

/** The OpenAPI 3.1 document, generated from the very schemas that validate. */
export const openApiDocument = (routes: readonly Route[]) => {
  const paths: ZodOpenApiPathsObject = {};
  for (const r of routes) {
    const path = (paths[r.path] ??= {});
    (path as Record<string, ZodOpenApiOperationObject>)[r.method.toLowerCase()] = operation(r);
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'PaieCashFan API',
      version: config.version(),
      description: 'Wallet, eSIM, shop, tickets, chat and recommendations for football fans. Errors are RFC 9457 problems.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    // Relative: "try it out" in /api/docs calls the origin that served the document, wherever it runs.
    servers: [{ url: '/', description: 'The origin serving this document' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  });
};
