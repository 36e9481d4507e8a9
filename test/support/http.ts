/**
 * Calls a handler in-process with the API Gateway (HTTP API, payload 2.0)
 * event serverless-offline and AWS would send, through the whole middy stack.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { violations } from './contract';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export type Call = {
  method?: string;
  path?: string;
  body?: unknown;
  /** Sent as is: for malformed or oversized bodies. */
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  token?: string;
  ip?: string;
  /** The invocation's time, which the Lambda context counts down as Lambda does (10 s by default). */
  remainingMs?: number;
};

export type Answer<T = any> = { status: number; headers: Record<string, string>; body: T; raw: string };

export const randomIp = () => `10.${[0, 0, 0].map(() => randomBytes(1)[0]! % 250).join('.')}`;

export const invoke = async <T = any>(handler: unknown, call: Call = {}): Promise<Answer<T>> => {
  const headers: Record<string, string> = { 'user-agent': 'vitest', ...lower(call.headers ?? {}) };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  let body: string | undefined = call.rawBody;
  if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  const method = call.method ?? (body === undefined ? 'GET' : 'POST');
  const path = call.path ?? '/api/test';
  const event = {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(call.query ?? {}).toString(),
    headers,
    queryStringParameters: call.query,
    pathParameters: call.params,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: call.ip ?? randomIp(), userAgent: 'vitest' },
    },
  } as APIGatewayProxyEventV2;
  const deadline = Date.now() + (call.remainingMs ?? 10_000);
  const context = { awsRequestId: randomUUID(), functionName: 'test', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as unknown as Context;
  const result = (await (handler as Handler)(event, context)) as { statusCode: number; headers: Record<string, string>; body?: string };
  const raw = result.body ?? '';
  const answered = lower(result.headers ?? {});
  // JSON (or problem+json) parsed, and a non-JSON answer's body is left in `raw`: a JSON one that does not parse throws.
  const json = /^application\/([\w.+-]+\+)?json\b/.test(answered['content-type'] ?? 'application/json');
  const parsed = raw && json ? JSON.parse(raw) : undefined;
  // Every answer a test receives is held to the OpenAPI document (the benches, which time the handlers, turn it off).
  const wrong = process.env.CONTRACT_CHECK === 'off' ? [] : violations({ method, path, status: result.statusCode, contentType: answered['content-type'], body: json ? parsed : raw });
  if (wrong.length > 0) throw new Error(`${method} ${path} answered ${result.statusCode}, which the OpenAPI document does not allow:\n  ${wrong.join('\n  ')}\n  ${raw.slice(0, 500)}`);
  return { status: result.statusCode, headers: answered, body: parsed, raw };
};

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
