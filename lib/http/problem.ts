/**
 * RFC 9457 problem details. Domain code throws these (it knows no HTTP
 * beyond a status); the error middleware turns them into responses.
 */
export type FieldError = { path: string; message: string };

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: number,
    /** A short kebab-case name, the last segment of the problem `type`. */
    readonly slug: string,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail);
  }

  toProblem(): Problem {
    const { headers: _headers, ...extensions } = this.extra;
    return {
      type: `/problems/${this.slug}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      ...extensions,
    };
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new ProblemError(400, 'validation-error', detail, errors ? { errors } : {});
export const unauthorized = (detail = 'A valid access token is required.', slug = 'unauthorized') =>
  new ProblemError(401, slug, detail, { headers: { 'WWW-Authenticate': 'Bearer realm="paiecashfan"' } });
/** A valid token for an account that no longer exists is no credential. */
export const accountGone = () => unauthorized('This account no longer exists.');
export const notFound = (detail: string) => new ProblemError(404, 'not-found', detail);
export const conflict = (slug: string, detail: string) => new ProblemError(409, slug, detail);
/** A one-time thing (a link's token) that was good once and is no more. */
export const gone = (slug: string, detail: string) => new ProblemError(410, slug, detail);
export const refused = (slug: string, detail: string, extra: Record<string, unknown> = {}) =>
  new ProblemError(422, slug, detail, extra);
export const tooManyRequests = (retryAfterSeconds: number, detail: string) =>
  new ProblemError(429, 'rate-limited', detail, {
    retry_after: retryAfterSeconds,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
export const unavailable = (detail = 'The service is temporarily unavailable; retry shortly.') =>
  new ProblemError(503, 'service-unavailable', detail, { headers: { 'Retry-After': '5' } });
