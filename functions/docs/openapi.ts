import { publicApi } from '../../lib/http/api';
import { openApiDocument } from '../../lib/openapi/document';
import { openApiRoute } from '../../lib/openapi/route';
import { routes } from '../../lib/routes';

let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = publicApi(openApiRoute, async () => ({ status: 200, body: (document ??= openApiDocument(routes)) }));
