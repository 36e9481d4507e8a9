import { route } from '../http/route';
import { Esim, PlanBody, PlanList, PlansQuery, Usage, UsageAccepted, UsageReport } from './schemas';

const tags = ['esim'] as const;

export const listPlans = /* @__PURE__ */ route({
  operationId: 'listEsimPlans',
  method: 'GET',
  path: '/api/esim/plans',
  summary: 'Travel data plans; `?region=Europe` or `?country=GB` filter them',
  tags,
  auth: 'lenient',
  query: PlansQuery,
  responses: { 200: { description: 'The plans', schema: PlanList } },
});

export const activate = /* @__PURE__ */ route({
  operationId: 'activateEsim',
  method: 'POST',
  path: '/api/esim/activate',
  summary: 'Buy a plan from the wallet and get its eSIM (activation code and QR)',
  tags,
  auth: 'required',
  idempotent: true,
  body: PlanBody,
  responses: {
    201: { description: 'The active eSIM', schema: Esim },
    404: { description: 'No such plan' },
    409: { description: 'An eSIM is still active: top it up instead' },
    422: { description: 'Insufficient funds' },
  },
});

export const getActive = /* @__PURE__ */ route({
  operationId: 'getActiveEsim',
  method: 'GET',
  path: '/api/esim/active',
  summary: "The fan's eSIM, with its QR code",
  tags,
  auth: 'required',
  responses: { 200: { description: 'The eSIM', schema: Esim }, 404: { description: 'No eSIM' } },
});

export const getUsage = /* @__PURE__ */ route({
  operationId: 'getEsimUsage',
  method: 'GET',
  path: '/api/esim/active/usage',
  summary: 'Data used and left',
  tags,
  auth: 'required',
  responses: { 200: { description: 'The usage (NOT_ACTIVE without an eSIM)', schema: Usage } },
});

export const topUp = /* @__PURE__ */ route({
  operationId: 'topUpEsim',
  method: 'POST',
  path: '/api/esim/active/top-up',
  summary: "Add a plan's data and days to the fan's eSIM, paid from the wallet",
  tags,
  auth: 'required',
  idempotent: true,
  body: PlanBody,
  responses: { 200: { description: 'The eSIM after the top-up', schema: Esim }, 404: { description: 'No such plan, or no eSIM' }, 422: { description: 'Insufficient funds' } },
});

export const usageWebhook = /* @__PURE__ */ route({
  operationId: 'esimUsageWebhook',
  method: 'POST',
  path: '/api/esim/webhooks/usage',
  summary: "The carrier's usage report, signed: X-Signature is the hex HMAC-SHA512 of the body",
  tags,
  auth: 'none',
  limit: 'webhooks',
  body: UsageReport,
  responses: {
    200: { description: 'Recorded, or ignored as older than the last report', schema: UsageAccepted },
    401: { description: 'Missing or wrong signature' },
    404: { description: 'No eSIM has this ICCID' },
  },
});
