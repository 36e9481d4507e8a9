import { api } from '../../lib/http/api';
import { predictions } from '../../lib/insights/predictions';
import { getPredictions } from '../../lib/insights/routes';

export const handler = api(getPredictions, async ({ user }) => ({ status: 200, body: await predictions(user.id) }));
