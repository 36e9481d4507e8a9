import { badRequest, ProblemError } from './problem';
import { header, type Middleware } from './types';

export const MAX_BODY_BYTES = 64 * 1024;
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** Parses a JSON body of at most 64 KiB into `state.body`. */
export const jsonBody = (): Middleware => ({
  before: (request) => {
    const { event } = request;
    if (event.body === undefined || event.body === null || event.body === '') return;
    const raw = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    if (raw.byteLength > MAX_BODY_BYTES) {
      throw new ProblemError(413, 'body-too-large', `The body has ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES} (64 KiB).`);
    }
    if (!JSON_TYPE.test(header(event, 'content-type') ?? '')) {
      throw new ProblemError(415, 'unsupported-media-type', 'Send the body as JSON with "Content-Type: application/json".');
    }
    request.context.http.rawBody = raw;
    try {
      request.context.http.body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest('The body is not valid JSON.');
    }
  },
});
