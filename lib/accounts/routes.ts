import { route } from '../http/route';
import { CloseAccountBody, DataExport } from './schemas';

const tags = ['users'] as const;

export const exportMyData = /* @__PURE__ */ route({
  operationId: 'exportMyData',
  method: 'GET',
  path: '/api/users/me/export',
  summary: 'Download everything held about the signed-in fan, as one JSON file (5 an hour)',
  tags,
  auth: 'required',
  responses: { 200: { description: 'The fan\'s data, as an attachment', schema: DataExport } },
});

export const closeAccount = /* @__PURE__ */ route({
  operationId: 'closeAccount',
  method: 'DELETE',
  path: '/api/users/me',
  summary: 'Close the account and erase the person, keeping what accounting needs',
  tags,
  auth: 'required',
  body: CloseAccountBody,
  responses: {
    204: { description: 'Closed: the account can no longer be used' },
    403: { description: 'Wrong password' },
    409: { description: 'Not yet: money in the wallet, tickets to come, an open offer or an unsettled dispute (`reasons` lists them)' },
  },
});
