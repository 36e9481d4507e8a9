/**
 * A stand-in of Amazon SES (API v2) for the one call this API makes,
 * `SendEmail` (`POST /v2/email/outbound-emails`), started by the tests
 * (SES_ENDPOINT points the SDK at it). It checks each request's AWS
 * Signature Version 4 itself, with the tests' credentials, as SES would,
 * and keeps what was sent.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { vi } from 'vitest';

export const CREDENTIALS = { accessKeyId: 'AKIDSESSTANDIN', secretAccessKey: 'ses-stand-in-secret-access-key', region: 'eu-west-3' };

export type Sent = {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The request's body as SES received it. */
  body: Record<string, any>;
  /** `Credential=` scope of its signature: key id, day, region, service. */
  scope: string;
};

export type SesStandIn = {
  url: string;
  sent: Sent[];
  /** Every request, with what the signature check found ('ok' or why not). */
  requests: Array<{ method: string; path: string; signature: string }>;
  /** The next `count` requests answer 500, as SES does when it is in trouble. */
  failNext(count: number): void;
  close(): Promise<void>;
};

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Recomputes the request's SigV4 signature (AWS's documented algorithm) and says whether it matches, or why not. */
const checkSignature = (req: IncomingMessage, body: string): { verdict: string; scope: string } => {
  const auth = /^AWS4-HMAC-SHA256 Credential=(([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
  if (!auth) return { verdict: 'no SigV4 Authorization header', scope: '' };
  const [, scope, keyId, day, region, service, signedHeaders, signature] = auth as unknown as string[];
  if (keyId !== CREDENTIALS.accessKeyId) return { verdict: `unknown key ${keyId}`, scope: scope! };
  const names = signedHeaders!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return { verdict: 'host or x-amz-date unsigned', scope: scope! };
  const headers = names.map((name) => `${name}:${String(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const canonical = [req.method, url.pathname, url.searchParams.toString(), headers, signedHeaders, sha256(body)].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date']), `${day}/${region}/${service}/aws4_request`, sha256(canonical)].join('\n');
  const key = [day!, region!, service!, 'aws4_request'].reduce<string | Buffer>((k, part) => hmac(k, part), `AWS4${CREDENTIALS.secretAccessKey}`);
  return { verdict: hmac(key, toSign).toString('hex') === signature ? 'ok' : 'signature does not match', scope: scope! };
};

export const startSesStandIn = async (): Promise<SesStandIn> => {
  const sent: Sent[] = [];
  const requests: SesStandIn['requests'] = [];
  let failing = 0;
  const server = createServer(async (req, res) => {
    const raw = await text(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const { verdict, scope } = checkSignature(req, raw);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, signature: verdict });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomBytes(8).toString('hex') });
      res.end(JSON.stringify(payload));
    };
    if (verdict !== 'ok') return send(403, { message: `The request signature we calculated does not match the signature you provided (${verdict}).` });
    if (req.method !== 'POST' || url.pathname !== '/v2/email/outbound-emails') return send(404, { message: `No route for ${req.method} ${url.pathname}` });
    if (failing > 0) {
      failing--;
      return send(500, { message: 'Internal failure on the stand-in.' });
    }
    const body = JSON.parse(raw) as Record<string, any>;
    const simple = body.Content?.Simple;
    sent.push({
      from: body.FromEmailAddress,
      to: body.Destination?.ToAddresses ?? [],
      subject: simple?.Subject?.Data,
      text: simple?.Body?.Text?.Data,
      body,
      scope,
    });
    send(200, { MessageId: `0100-${randomBytes(16).toString('hex')}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    requests,
    failNext: (count) => void (failing = count),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** Runs `test` with mail sent through SES, the SDK pointed at a stand-in of its own, then puts the environment back. */
export const withSes = async <T>(test: (ses: SesStandIn) => Promise<T>): Promise<T> => {
  const ses = await startSesStandIn();
  vi.stubEnv('MAIL_PROVIDER', 'ses');
  vi.stubEnv('MAIL_FROM', 'PaieCashFan <no-reply@paiecashfan.test>');
  vi.stubEnv('SES_ENDPOINT', ses.url);
  vi.stubEnv('AWS_REGION', CREDENTIALS.region);
  vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
  try {
    return await test(ses);
  } finally {
    vi.unstubAllEnvs();
    await ses.close();
  }
};
