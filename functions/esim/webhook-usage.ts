import { usageWebhook } from '../../lib/esim/routes';
import { recordUsage } from '../../lib/esim/webhooks';
import { publicApi } from '../../lib/http/api';

export const handler = publicApi(usageWebhook, async ({ body, request }) => ({
  status: 200,
  body: await recordUsage(request.rawBody, request.header('x-signature'), body),
}));
