import { route } from '../http/route';
import { AuditPage, AuditQuery, ClubParams, GrantBody, RoleParams, Sales, SalesQuery, StaffRole, StaffRoles } from './schemas';

const tags = ['admin'] as const;
const notStaff = { description: "No such club, or not one you are an admin of" } as const;

export const listRoles = /* @__PURE__ */ route({
  operationId: 'adminListRoles',
  method: 'GET',
  path: '/api/admin/clubs/{club}/roles',
  summary: "The club's staff and their roles (admin only)",
  tags,
  auth: 'required',
  params: ClubParams,
  responses: { 200: { description: 'Every role held in the club', schema: StaffRoles }, 404: notStaff },
});

export const grantRole = /* @__PURE__ */ route({
  operationId: 'adminGrantRole',
  method: 'POST',
  path: '/api/admin/clubs/{club}/roles',
  summary: 'Give a fan (by email or id) a role in the club: admin, steward or moderator',
  tags,
  auth: 'required',
  params: ClubParams,
  body: GrantBody,
  responses: {
    200: { description: 'Already held', schema: StaffRole },
    201: { description: 'Granted', schema: StaffRole },
    404: { description: 'No such club of yours, or no such fan' },
  },
});

export const revokeRole = /* @__PURE__ */ route({
  operationId: 'adminRevokeRole',
  method: 'DELETE',
  path: '/api/admin/clubs/{club}/roles/{user}/{role}',
  summary: "Take a role back (never the club's last admin's)",
  tags,
  auth: 'required',
  params: RoleParams,
  responses: {
    204: { description: 'Revoked' },
    404: { description: 'No such club of yours, or the fan does not hold the role' },
    409: { description: "The club's last admin (`last-admin`)" },
  },
});

export const listAudit = /* @__PURE__ */ route({
  operationId: 'adminListAudit',
  method: 'GET',
  path: '/api/admin/audit',
  summary: "Every back-office change to the admin's clubs (`?club` narrows to one), newest first: who, in what role, what, before and after, when, and the request",
  tags,
  auth: 'required',
  query: AuditQuery,
  responses: { 200: { description: 'A page of audit entries', schema: AuditPage }, 404: notStaff },
});

export const salesFigures = /* @__PURE__ */ route({
  operationId: 'adminSalesFigures',
  method: 'GET',
  path: '/api/admin/sales',
  summary:
    "The sales of the admin's clubs (`?club` narrows to one) over `from`–`to` (ISO dates or date-times; the last 30 days by default, a year at most), from the ledger: per match and category, per product and per day, in cents",
  tags,
  auth: 'required',
  query: SalesQuery,
  responses: { 200: { description: 'Each club\'s figures', schema: Sales }, 400: { description: 'A bad date, or a period that ends before it starts or lasts over a year' }, 404: notStaff },
});
