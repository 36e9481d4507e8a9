import { route } from '../http/route';
import {
  Balance, Deposit, DepositBody, DepositPage, DepositParams, DepositRecord, DepositsQuery, EntryPage, MoneyRequest, MoneyRequestPage, PendingDeposit,
  RequestBody, RequestParams, RequestsQuery, TransactionsQuery, Transfer, TransferBody,
} from './schemas';

const tags = ['wallet'] as const;

export const balance = route({
  operationId: 'getBalance',
  method: 'GET',
  path: '/api/wallet/balance',
  summary: 'The wallet balance in cents, with collectibles and points',
  tags,
  auth: 'required',
  responses: { 200: { description: 'The balance', schema: Balance } },
});

export const transactions = route({
  operationId: 'listTransactions',
  method: 'GET',
  path: '/api/wallet/transactions',
  summary: 'Ledger entries of the wallet, newest first',
  tags,
  auth: 'required',
  query: TransactionsQuery,
  responses: { 200: { description: 'A page of entries', schema: EntryPage } },
});

export const deposit = route({
  operationId: 'deposit',
  method: 'POST',
  path: '/api/wallet/deposit',
  summary: 'Top up the wallet (at most €1,000 at once and €2,000 per rolling day)',
  tags,
  auth: 'required',
  idempotent: true,
  body: DepositBody,
  responses: {
    201: { description: 'Received at once (the simulated provider of local runs): the settled deposit and the new balance', schema: Deposit },
    202: {
      description: "Pending: the app completes the payment with the provider's SDK; the provider's signed confirmation credits the wallet",
      schema: PendingDeposit,
    },
    422: { description: 'Over a limit, or under the smallest amount the provider collects' },
    503: { description: 'The payment provider did not answer: retry with the same Idempotency-Key' },
  },
});

export const listDeposits = route({
  operationId: 'listDeposits',
  method: 'GET',
  path: '/api/wallet/deposits',
  summary: 'Top-ups of the wallet, newest first, with what was received and any chargeback',
  tags,
  auth: 'required',
  query: DepositsQuery,
  responses: { 200: { description: 'A page of deposits', schema: DepositPage } },
});

export const getDeposit = route({
  operationId: 'getDeposit',
  method: 'GET',
  path: '/api/wallet/deposits/{id}',
  summary: 'One top-up: pending, succeeded (credited), failed or disputed',
  tags,
  auth: 'required',
  params: DepositParams,
  responses: { 200: { description: 'The deposit', schema: DepositRecord }, 404: { description: 'No such deposit of yours' } },
});

export const transfer = route({
  operationId: 'createTransfer',
  method: 'POST',
  path: '/api/wallet/transfers',
  summary: 'Pay another fan, by email or user id (at most €1,000)',
  tags,
  auth: 'required',
  idempotent: true,
  body: TransferBody,
  responses: { 201: { description: 'The payment', schema: Transfer }, 404: { description: 'No such fan' } },
});

export const createRequest = route({
  operationId: 'createMoneyRequest',
  method: 'POST',
  path: '/api/wallet/requests',
  summary: 'Ask another fan for money; it expires after 7 days',
  tags,
  auth: 'required',
  body: RequestBody,
  responses: { 201: { description: 'The pending request', schema: MoneyRequest }, 404: { description: 'No such fan' }, 422: { description: 'Refused' } },
});

export const listRequests = route({
  operationId: 'listMoneyRequests',
  method: 'GET',
  path: '/api/wallet/requests',
  summary: 'Requests to pay (incoming) or made (outgoing), newest first',
  tags,
  auth: 'required',
  query: RequestsQuery,
  responses: { 200: { description: 'A page of requests', schema: MoneyRequestPage } },
});

const settled = {
  200: { description: 'The request after the change', schema: MoneyRequest },
  404: { description: 'No such request for you' },
  409: { description: 'Already paid, declined or cancelled' },
  422: { description: 'Expired' },
};

export const payRequest = route({
  operationId: 'payMoneyRequest',
  method: 'POST',
  path: '/api/wallet/requests/{id}/pay',
  summary: 'Pay a request made to you (once)',
  tags,
  auth: 'required',
  idempotent: true,
  params: RequestParams,
  responses: settled,
});

export const declineRequest = route({
  operationId: 'declineMoneyRequest',
  method: 'POST',
  path: '/api/wallet/requests/{id}/decline',
  summary: 'Decline a request made to you',
  tags,
  auth: 'required',
  params: RequestParams,
  responses: settled,
});

export const cancelRequest = route({
  operationId: 'cancelMoneyRequest',
  method: 'POST',
  path: '/api/wallet/requests/{id}/cancel',
  summary: 'Cancel a request you made',
  tags,
  auth: 'required',
  params: RequestParams,
  responses: settled,
});
