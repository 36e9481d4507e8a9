/**
 * The business metrics in CloudWatch's embedded metric format: one line per
 * request and dimension set, written when the request ends, and only for
 * facts committed just now (a replay counts nothing).
 */
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { handler as ticketCode } from '../../functions/tickets/code';
import * as users from '../../lib/auth/users';
import { handler as me } from '../../functions/auth/me';
import { newFan } from '../support/fans';
import { invoke } from '../support/http';
import { buy, newEvent, scan, steward } from '../support/tickets';
import { deposit, key } from '../support/wallet';

vi.hoisted(() => {
  // global-setup turns metrics off for the other tests; read when lib/metrics is first imported.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

type Emf = { _aws: { CloudWatchMetrics: [{ Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }] }; [key: string]: unknown };
let emitted: Emf[] = [];

beforeAll(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) if (line.includes('"_aws"')) emitted.push(JSON.parse(line) as Emf);
    return true;
  });
});
beforeEach(() => {
  emitted = [];
});
afterAll(() => vi.restoreAllMocks());

/** The metrics of the lines written, each with its value and dimensions. */
const metrics = () =>
  emitted.flatMap((line) => {
    const [{ Namespace, Dimensions, Metrics }] = line._aws.CloudWatchMetrics;
    const dimensions = Object.fromEntries(Dimensions[0]!.map((d) => [d, line[d]]));
    return Metrics.map(({ Name }) => ({ namespace: Namespace, name: Name, value: line[Name], dimensions }));
  });

it('counts a deposit and its amount, and nothing on its replay', async () => {
  const fan = await newFan();
  const k = key();
  emitted = [];
  expect((await deposit(fan, 4_200, k)).status).toBe(201);
  expect(metrics()).toEqual([
    { namespace: 'PaieCashFan', name: 'Deposits', value: 1, dimensions: { service: 'paiecashfan-api' } },
    { namespace: 'PaieCashFan', name: 'DepositAmountCents', value: 4_200, dimensions: { service: 'paiecashfan-api' } },
  ]);
  emitted = [];
  expect((await deposit(fan, 4_200, k)).headers['idempotent-replayed']).toBe('true');
  expect(metrics()).toEqual([]);
});

it('counts a ticket purchase by kind, once, and check-ins by result and reason', async () => {
  const fan = await newFan();
  await deposit(fan, 10_000);
  const event = await newEvent(5, 1000);
  const k = key();
  emitted = [];
  const bought = await buy(fan, event, 1, 'tribune', k);
  expect(metrics()).toEqual([{ namespace: 'PaieCashFan', name: 'Purchases', value: 1, dimensions: { service: 'paiecashfan-api', kind: 'ticket' } }]);
  emitted = [];
  expect((await buy(fan, event, 1, 'tribune', k)).headers['idempotent-replayed']).toBe('true');
  expect(metrics()).toEqual([]);

  const ticket = bought.body.tickets[0].id;
  const { code } = (await invoke(ticketCode, { path: `/api/tickets/${ticket}/qr`, token: fan.token, params: { id: ticket } })).body;
  const gate = await steward('OGC_NICE');
  emitted = [];
  await scan(gate.token, code, event);
  await scan(gate.token, code, event);
  expect(metrics()).toEqual([
    { namespace: 'PaieCashFan', name: 'CheckIns', value: 1, dimensions: { service: 'paiecashfan-api', result: 'admitted' } },
    { namespace: 'PaieCashFan', name: 'CheckIns', value: 1, dimensions: { service: 'paiecashfan-api', result: 'refused', reason: 'already_checked_in' } },
  ]);
});

it('counts a 5xx among the errors of its route', async () => {
  const fan = await newFan();
  vi.spyOn(users, 'getMe').mockRejectedValueOnce(new Error('boom'));
  emitted = [];
  expect((await invoke(me, { path: '/api/auth/me', token: fan.token })).status).toBe(500);
  expect(metrics()).toEqual([{ namespace: 'PaieCashFan', name: 'Errors', value: 1, dimensions: { service: 'paiecashfan-api', route: 'getMe' } }]);
});
