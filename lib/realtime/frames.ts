import { pushToConnection } from './push';
import { ClientFrame } from './schemas';

const json = (text: string | undefined): unknown => {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
};

/** A frame from a client (routed to $default): a ping is answered with a pong, anything else with an error frame. */
export const answerFrame = async (connectionId: string, frame: string | undefined): Promise<void> => {
  const answer = ClientFrame.safeParse(json(frame)).success
    ? { type: 'pong' }
    : { type: 'error', error: 'unsupported-frame', detail: 'This socket only takes {"action":"ping"}; post messages over HTTP.' };
  await pushToConnection(connectionId, answer);
};
