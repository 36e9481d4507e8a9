import { readLiveAccessToken } from '../auth/revocation';
import { db, type Tx } from '../db';
import { accountGone, unauthorized } from '../http/problem';

/** An open WebSocket connection (API Gateway's id) and where postToConnection reaches it. */
export type Connection = { id: string; endpoint: string };

/**
 * A browser cannot set headers on a WebSocket handshake, so the access token
 * comes as `?token=`; without a valid one, or with one of an ended session,
 * the connection is refused (401) and nothing is stored. The connection
 * belongs to the token's session, which closes it when it ends, and is
 * trusted until the token expires (migration 013), unless renewed
 * (`renewConnection`).
 */
export const openConnection = async (connection: Connection, token: string | undefined): Promise<void> => {
  if (!token) throw unauthorized();
  const { user, expiresAt } = await readLiveAccessToken(token);
  const opened = await db()`
    insert into ws_connections (connection_id, user_id, session_id, endpoint, expires_at)
    select ${connection.id}, id, ${user.sessionId ?? null}, ${connection.endpoint}, ${expiresAt} from users where id = ${user.id} and deleted_at is null`;
  // A token still valid for an account closed since.
  if (opened.count === 0) throw accountGone();
};

/**
 * Trusts the connection until a newer access token of the same fan expires,
 * as the client refreshes its tokens; the fan's new expiry, or 401 for an
 * invalid token, another fan's, or a connection no longer known.
 */
export const renewConnection = async (connectionId: string, token: string): Promise<Date> => {
  const { user, expiresAt } = await readLiveAccessToken(token);
  const renewed = await db()`
    update ws_connections set expires_at = greatest(expires_at, ${expiresAt})
    where connection_id = ${connectionId} and user_id = ${user.id}`;
  if (renewed.count === 0) throw unauthorized('This token is not of the fan who opened this connection.');
  return expiresAt;
};

/** The fan's open connections: of these sessions, or with `all`, every one (those opened before connections had a session too). */
export const connectionsOf = async (sql: Tx, userId: string, sessionIds: string[], all: boolean): Promise<Connection[]> =>
  sql<Connection[]>`
    select connection_id as id, endpoint from ws_connections
    where user_id = ${userId} and ${all ? sql`true` : sql`session_id = any(${sessionIds}::uuid[])`}`;

/** On $disconnect, and when a push finds the connection gone. */
export const closeConnection = async (connectionId: string): Promise<void> => {
  await db()`delete from ws_connections where connection_id = ${connectionId}`;
};

/**
 * API Gateway ends a WebSocket connection after 2 hours at most, and
 * delivers $disconnect only on a best-effort basis: a row older than that
 * names a connection gone without a word, which no push may have found yet.
 */
export const purgeStaleConnections = async (): Promise<number> =>
  (await db()`delete from ws_connections where connected_at < now() - interval '2 hours'`).count;
