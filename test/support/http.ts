/**
 * Calls a handler in-process with the API Gateway (HTTP API, payload 2.0)
 * event serverless-offline and AWS would send, through the whole middy stack.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

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
  /** What the Lambda context says is left of the invocation's time (10 s by default). */
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
  const context = { awsRequestId: randomUUID(), functionName: 'test', getRemainingTimeInMillis: () => call.remainingMs ?? 10_000 } as unknown as Context;
  const result = (await (handler as Handler)(event, context)) as { statusCode: number; headers: Record<string, string>; body?: string };
  const raw = result.body ?? '';
  return { status: result.statusCode, headers: lower(result.headers ?? {}), body: raw ? JSON.parse(raw) : undefined, raw };
};

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
