import { health, healthRoute } from '../../lib/health';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(healthRoute, async () => {
  const report = await health();
  return { status: report.services.postgres === 'down' ? 503 : 200, body: report };
});
