import { publicApi } from '../../lib/http/api';
import { docsPage } from '../../lib/openapi/docs';
import { docsRoute } from '../../lib/openapi/route';

export const handler = publicApi(docsRoute, async () => ({ status: 200, raw: docsPage, headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
