import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { PendingQuery, Row } from 'postgres';
import { db, type Sql } from '../db';
import { logger } from '../log';
import { closeConnection, type Connection } from './connections';

/** A frame pushed to fans' open connections: `message`, `read`, `notification`, … */
export type RealtimeEvent = { type: string; [key: string]: unknown };

type Target = { connection_id: string; endpoint: string; live: boolean };

// API Gateway's endpoints are https. A plain-http one is serverless-offline's
// WebSocket port, which checks no signature, and its handlers have no AWS
// credentials or region to sign with.
const OFFLINE = { region: 'local', credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } };

// Imported on the first push that finds a connection to reach: most requests
// that may push find none, and the SDK would weigh on every cold start.
const sdk = () => import('@aws-sdk/client-apigatewaymanagementapi');

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** One client per endpoint, kept across warm invocations. */
const clientFor = async (endpoint: string): Promise<ApiGatewayManagementApiClient> => {
  let client = clients.get(endpoint);
  if (!client) {
    const { ApiGatewayManagementApiClient } = await sdk();
    client = new ApiGatewayManagementApiClient({
      endpoint,
      // A push rides on the request that caused it: give up soon rather than hold that request.
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
      ...(endpoint.startsWith('http://') ? OFFLINE : {}),
    });
    clients.set(endpoint, client);
  }
  return client;
};

const statusOf = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Posts to a connection still trusted; one whose token has expired unrenewed
 * is closed instead (its client opens a new one with a fresh token).
 */
const post = async ({ connection_id, endpoint, live }: Target, data: string): Promise<void> => {
  const { PostToConnectionCommand, DeleteConnectionCommand } = await sdk();
  let forget = !live;
  try {
    const client = await clientFor(endpoint);
    if (live) await client.send(new PostToConnectionCommand({ ConnectionId: connection_id, Data: data }));
    else await client.send(new DeleteConnectionCommand({ ConnectionId: connection_id }));
  } catch (error) {
    // The fan went away without a $disconnect reaching us (a network dropped, a dev server stopped).
    if (statusOf(error) !== 410) throw error;
    forget = true;
  }
  if (forget) await closeConnection(connection_id);
};

type Which = (sql: Sql) => PendingQuery<Row[]>;

/** Does `act` to each target, in parallel, and logs each failure. */
const reach = async <T extends Target>(what: string, type: string, targets: T[], act: (target: T) => Promise<void>): Promise<void> => {
  const outcomes = await Promise.allSettled(targets.map(act));
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'rejected') {
      logger.warn(`${what} failed`, { type, connection_id: targets[i]!.connection_id, status: statusOf(outcome.reason), error: String(outcome.reason) });
    }
  });
};

/**
 * Posts to each connection `which` selects its fan's frame, in parallel.
 * Never throws: a push follows a change already committed, which its
 * failure must not turn into a failed request; failures are logged.
 */
const push = async (type: string, which: Which, frameOf: (userId: string) => string): Promise<void> => {
  try {
    const sql = db();
    const targets = await sql<(Target & { user_id: string })[]>`
      select connection_id, endpoint, user_id, expires_at > now() as live from ws_connections where ${which(sql)}`;
    await reach('push', type, targets, (target) => post(target, frameOf(target.user_id)));
  } catch (error) {
    logger.error('push failed', { type, error: String(error) });
  }
};

/**
 * Closes connections (API Gateway's deleteConnection), those of ended
 * sessions: read before the change that ended them, which may delete their
 * rows (an account's deletion), and closed once it has committed. Never
 * throws, as a push.
 */
export const disconnect = (connections: Connection[]): Promise<void> =>
  reach('disconnect', 'session-ended', connections.map(({ id, endpoint }) => ({ connection_id: id, endpoint, live: false })), (target) => post(target, ''));

/** One frame for every connection, serialised once. */
const same = (event: RealtimeEvent) => {
  const data = JSON.stringify(event);
  return () => data;
};

/** Pushes the event to every open connection of these fans. */
export const pushTo = (userIds: string[], event: RealtimeEvent): Promise<void> =>
  push(event.type, (sql) => sql`user_id = any(${userIds}::uuid[])`, same(event));

/** Pushes each fan their own event (a notification of theirs) to all their open connections, with one look-up of them. */
export const pushEach = async (events: Map<string, RealtimeEvent>): Promise<void> => {
  if (events.size === 0) return;
  const frames = new Map([...events].map(([userId, event]) => [userId, JSON.stringify(event)]));
  const [first] = events.values();
  return push(first!.type, (sql) => sql`user_id = any(${[...events.keys()]}::uuid[])`, (userId) => frames.get(userId)!);
};

/** Pushes the event to one connection, as the answer to a frame it sent. */
export const pushToConnection = (connectionId: string, event: RealtimeEvent): Promise<void> =>
  push(event.type, (sql) => sql`connection_id = ${connectionId}`, same(event));
