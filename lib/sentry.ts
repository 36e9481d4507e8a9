import { randomBytes } from 'node:crypto';
import { config } from './config';
import { logger } from './log';

/** What identifies the failure to whoever reads the report: never a body or a header. */
export type Where = { request_id: string; route: string };

/*
 * Reports go out as Sentry envelopes (develop.sentry.dev/sdk/envelopes), a
 * documented protocol of three JSON lines, rather than through an SDK: even
 * @sentry/core alone added some 75 kB to every function's zip, doubling what
 * each cold start reads, for the one call made here.
 */

/** `https://<key>@<host>[/<path>]/<project>` → where envelopes go, and the key that signs them. */
const endpointOf = (dsn: string) => {
  const url = new URL(dsn);
  const project = url.pathname.split('/').pop();
  if (!url.username || !project) throw new Error('SENTRY_DSN is not a DSN');
  const path = url.pathname.slice(0, url.pathname.lastIndexOf('/'));
  return { url: `${url.protocol}//${url.host}${path}/api/${project}/envelope/`, key: url.username };
};

/** Node's stack lines as Sentry frames, oldest call first. */
const framesOf = (stack: string | undefined) =>
  (stack ?? '')
    .split('\n')
    .map((line) => /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, fn, filename, line, column]) => ({ function: fn ?? '?', filename, lineno: Number(line), colno: Number(column), in_app: !filename!.includes('node_modules') }))
    .reverse();

const eventOf = (error: unknown, where: Where) => {
  const failure = error instanceof Error ? error : new Error(String(error));
  return {
    event_id: randomBytes(16).toString('hex'),
    timestamp: Date.now() / 1000,
    platform: 'node',
    level: 'error',
    environment: config.stage(),
    release: config.version(),
    tags: where,
    exception: { values: [{ type: failure.name, value: failure.message, stacktrace: { frames: framesOf(failure.stack) } }] },
  };
};

/**
 * Reports an unexpected error to Sentry when SENTRY_DSN is set, and waits
 * until it is sent (2 s at most): a Lambda may be frozen as soon as it has
 * answered. Reporting never fails the caller.
 */
export const report = async (error: unknown, where: Where): Promise<void> => {
  const dsn = config.sentryDsn();
  if (!dsn) return;
  try {
    const { url, key } = endpointOf(dsn);
    const event = eventOf(error, where);
    const body = [{ event_id: event.event_id, sent_at: new Date().toISOString() }, { type: 'event' }, event].map((line) => JSON.stringify(line)).join('\n');
    const sent = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-sentry-envelope', 'X-Sentry-Auth': `Sentry sentry_version=7, sentry_key=${key}, sentry_client=paiecashfan/${config.version()}` },
      body,
      signal: AbortSignal.timeout(2000),
    });
    if (!sent.ok) throw new Error(`Sentry answered ${sent.status}`);
  } catch (failure) {
    logger.warn('error report not sent', { error: String(failure) });
  }
};
