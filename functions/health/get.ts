import { health, healthRoute } from '../../lib/health';
import { api } from '../../lib/http/api';

export const handler = api(healthRoute, async () => {
  const report = await health();
  return { status: report.services.postgres === 'down' ? 503 : 200, body: report };
});
