import { expect } from 'vitest';
import type { Answer } from './http';

/** What every response carries, success or error: request id, security headers and, for a browser, CORS. */
export const expectEnvelope = (res: Answer, origin?: string) => {
  expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
  expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  if (origin) {
    // '*' unless CORS_ORIGINS lists origins, in which case ours is echoed.
    expect(['*', origin]).toContain(res.headers['access-control-allow-origin']);
    expect(res.headers['access-control-expose-headers']).toContain('X-Request-Id');
  }
};

/** An RFC 9457 problem with this status (and type, when given), in the envelope every response has. */
export const expectProblem = (res: Answer, status: number, type?: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.body).toMatchObject({
    type: type ?? expect.stringMatching(/^\/problems\/[a-z-]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(res.body).not.toHaveProperty('stack');
  expectEnvelope(res);
};
