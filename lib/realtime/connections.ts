import { verifyAccessToken } from '../auth/tokens';
import { db, pgCode } from '../db';
import { accountGone, unauthorized } from '../http/problem';

/** An open WebSocket connection (API Gateway's id) and where postToConnection reaches it. */
export type Connection = { id: string; endpoint: string };

/**
 * A browser cannot set headers on a WebSocket handshake, so the access token
 * comes as `?token=`; without a valid one the connection is refused (401)
 * and nothing is stored.
 */
export const openConnection = async (connection: Connection, token: string | undefined): Promise<void> => {
  if (!token) throw unauthorized();
  const user = await verifyAccessToken(token);
  try {
    await db()`insert into ws_connections (connection_id, user_id, endpoint) values (${connection.id}, ${user.id}, ${connection.endpoint})`;
  } catch (error) {
    // A token still valid for an account deleted since.
    if (pgCode(error) === '23503') throw accountGone();
    throw error;
  }
};

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
