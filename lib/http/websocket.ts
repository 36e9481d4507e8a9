import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { config } from '../config';
import { logger } from '../log';
import type { Connection } from '../realtime/connections';
import { report } from '../sentry';
import { GIVE_UP_BEFORE_TIMEOUT_MS, OutOfTime, toProblemError } from './problems';
import { header, type Event } from './types';

/** An event of the WebSocket API; $connect's also carries the handshake's headers. */
export type SocketEvent = APIGatewayProxyWebsocketEventV2 & { headers?: Event['headers'] };
type SocketResult = { statusCode: number };

/**
 * Where postToConnection reaches the connection: the stage's URL on API
 * Gateway. serverless-offline serves its management API at the root of its
 * WebSocket port, which its request context does not name (domainName
 * "localhost", stage "local"); the handshake's Host header does.
 */
const endpointOf = (event: SocketEvent): string => {
  const { domainName, stage } = event.requestContext;
  return config.offline() ? `http://${header(event, 'host') ?? domainName}` : `https://${domainName}/${stage}`;
};

/**
 * Gives up on `work` shortly before the Lambda's timeout, as middy does for
 * the HTTP routes (lib/http/api.ts), so that the event still gets its status
 * and its log line.
 */
const withinTime = async (work: Promise<void>, context: Context): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    const left = context.getRemainingTimeInMillis() - GIVE_UP_BEFORE_TIMEOUT_MS;
    timer = setTimeout(() => reject(new OutOfTime()), Math.max(0, left));
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * What every WebSocket route gets, as api() gives the HTTP ones: its request
 * id on every log line, one line per event, any error turned into a status,
 * never a crash, and 503 rather than the Lambda's own timeout. A status
 * other than 2xx refuses a $connect; for other routes API Gateway only logs
 * it.
 */
const socket =
  (work: (event: SocketEvent) => Promise<void>) =>
  async (event: SocketEvent, context: Context): Promise<SocketResult> => {
    const { connectionId, routeKey, requestId } = event.requestContext;
    const id = context.awsRequestId || requestId || randomUUID();
    logger.appendKeys({ request_id: id });
    const startedAt = Date.now();
    let statusCode = 200;
    try {
      await withinTime(work(event), context);
    } catch (error) {
      statusCode = toProblemError(error).status;
      if (statusCode === 500) await report(error, { request_id: id, route: routeKey });
    }
    logger.info('websocket', { route: routeKey, connection_id: connectionId, status: statusCode, duration_ms: Date.now() - startedAt });
    logger.removeKeys(['request_id']);
    return { statusCode };
  };

/** $connect: the connection, where to reach it, and the `?token=` it was opened with. */
export const onConnect = (handler: (connection: Connection, token: string | undefined) => Promise<void>) =>
  socket((event) => handler({ id: event.requestContext.connectionId, endpoint: endpointOf(event) }, event.queryStringParameters?.token));

/** $disconnect: delivered on a best-effort basis, so a push also forgets a connection found gone. */
export const onDisconnect = (handler: (connectionId: string) => Promise<void>) => socket((event) => handler(event.requestContext.connectionId));

/** $default: every frame a client sends, as it sent it. */
export const onFrame = (handler: (connectionId: string, frame: string | undefined) => Promise<void>) =>
  socket((event) => handler(event.requestContext.connectionId, event.body));
