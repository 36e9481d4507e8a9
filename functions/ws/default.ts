import { onFrame } from '../../lib/http/websocket';
import { answerFrame } from '../../lib/realtime/frames';

export const handler = onFrame(answerFrame);
