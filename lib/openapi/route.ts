import * as z from 'zod/mini';
import { route } from '../http/route';
import { schema } from '../http/schemas';
import { docsAssetNames, docsPolicy } from './docs';

export const openApiRoute = route({
  operationId: 'openApi',
  method: 'GET',
  path: '/api/openapi.json',
  summary: 'This document',
  tags: ['platform'],
  auth: 'none',
  responses: { 200: { description: 'The OpenAPI 3.1 document' } },
});

export const docsRoute = route({
  operationId: 'docs',
  method: 'GET',
  path: '/api/docs',
  summary: 'This reference, interactive (Swagger UI): authorize with an access token and call any endpoint',
  tags: ['platform'],
  auth: 'none',
  contentSecurityPolicy: docsPolicy,
  responses: { 200: { description: 'An HTML page' } },
});

export const docsAssetRoute = route({
  operationId: 'docsAsset',
  method: 'GET',
  path: '/api/docs/{asset}',
  summary: "The reference page's scripts and styles",
  tags: ['platform'],
  auth: 'none',
  params: /* @__PURE__ */ schema(() =>
    z.strictObject({ asset: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, { error: `Must be a file name such as ${docsAssetNames[0]}` })) }),
  ),
  responses: { 200: { description: 'JavaScript or CSS' }, 404: { description: `No such asset; there are ${docsAssetNames.join(', ')}` } },
});
