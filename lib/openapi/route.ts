import { route } from '../http/route';

export const openApiRoute = route({
  operationId: 'openApi',
  method: 'GET',
  path: '/api/openapi.json',
  summary: 'This document',
  tags: ['platform'],
  auth: 'none',
  responses: { 200: { description: 'The OpenAPI 3.1 document' } },
});
