import { ProblemError } from '../http/problem';
import { renewConnection } from './connections';
import { pushToConnection } from './push';
import { ClientFrame } from './schemas';

const json = (text: string | undefined): unknown => {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
};

const renewed = (connectionId: string, token: string) =>
  renewConnection(connectionId, token).then(
    (expiresAt) => ({ type: 'renewed', expires_at: expiresAt.toISOString() }),
    (error: unknown) => {
      if (!(error instanceof ProblemError)) throw error;
      return { type: 'error', error: error.slug, detail: error.detail };
    },
  );

/**
 * A frame from a client (routed to $default): a ping is answered with a
 * pong, a renewal with the connection's new expiry, anything else with an
 * error frame.
 */
export const answerFrame = async (connectionId: string, frame: string | undefined): Promise<void> => {
  const parsed = ClientFrame.safeParse(json(frame));
  const answer = !parsed.success
    ? { type: 'error', error: 'unsupported-frame', detail: 'This socket takes {"action":"ping"} and {"action":"renew","token":"<access token>"}; post messages over HTTP.' }
    : parsed.data.action === 'renew'
      ? await renewed(connectionId, parsed.data.token)
      : { type: 'pong' };
  await pushToConnection(connectionId, answer);
};
