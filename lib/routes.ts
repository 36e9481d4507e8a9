import * as accounts from './accounts/routes';
import * as auth from './auth/routes';
import * as esim from './esim/routes';
import * as feed from './feed/routes';
import { healthRoute } from './health';
import * as openapi from './openapi/route';
import type { Route } from './http/route';
import * as insights from './insights/routes';
import * as notifications from './notifications/routes';
import * as payments from './payments/routes';
import * as recommendations from './recommendations/routes';
import * as shop from './shop/routes';
import * as social from './social/routes';
import * as staff from './staff/routes';
import * as tickets from './tickets/routes';
import * as wallet from './wallet/routes';

/** Every endpoint the API serves; serverless.yml must route exactly these. */
export const routes: readonly Route[] = [healthRoute, ...Object.values(openapi), ...Object.values(auth), ...Object.values(accounts), ...Object.values(wallet), ...Object.values(payments), ...Object.values(shop), ...Object.values(esim), ...Object.values(tickets), ...Object.values(notifications), ...Object.values(social), ...Object.values(feed), ...Object.values(recommendations), ...Object.values(insights), ...Object.values(staff)];
