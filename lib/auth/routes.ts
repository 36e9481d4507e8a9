import { route } from '../http/route';
import { EmailTokenBody, LoginBody, RefreshBody, RegisterBody, Session, UpdatedUser, UpdateMeBody, User, VerificationSent } from './schemas';

const tags = ['auth'] as const;

// Each `@__PURE__` lets a function's bundle keep its own route (and the schemas
// it names) and drop the others.

export const register = /* @__PURE__ */ route({
  operationId: 'register',
  method: 'POST',
  path: '/api/auth/register',
  summary: 'Create an account, its euro wallet and a first session',
  tags,
  auth: 'none',
  body: RegisterBody,
  responses: { 201: { description: 'The new fan and their tokens', schema: Session }, 409: { description: 'Email taken' } },
});

export const login = /* @__PURE__ */ route({
  operationId: 'login',
  method: 'POST',
  path: '/api/auth/login',
  summary: 'Exchange email and password for tokens',
  tags,
  auth: 'none',
  body: LoginBody,
  responses: { 200: { description: 'A new session', schema: Session }, 401: { description: 'Wrong email or password' } },
});

export const refresh = /* @__PURE__ */ route({
  operationId: 'refresh',
  method: 'POST',
  path: '/api/auth/refresh',
  summary: 'Spend a refresh token for a new token pair (reuse revokes the session)',
  tags,
  auth: 'none',
  body: RefreshBody,
  responses: { 200: { description: 'The next token pair', schema: Session }, 401: { description: 'Invalid, expired or reused token' } },
});

export const logout = /* @__PURE__ */ route({
  operationId: 'logout',
  method: 'POST',
  path: '/api/auth/logout',
  summary: 'End the session a refresh token belongs to',
  tags,
  auth: 'none',
  body: RefreshBody,
  responses: { 204: { description: 'Logged out' } },
});

export const me = /* @__PURE__ */ route({
  operationId: 'getMe',
  method: 'GET',
  path: '/api/auth/me',
  summary: 'The signed-in fan',
  tags,
  auth: 'required',
  responses: { 200: { description: 'The fan', schema: User } },
});

export const updateMe = /* @__PURE__ */ route({
  operationId: 'updateMe',
  method: 'PATCH',
  path: '/api/users/me',
  summary: 'Change name, club or email (an email change needs the password, and the new address verified)',
  tags: ['users'],
  auth: 'required',
  body: UpdateMeBody,
  responses: {
    200: { description: 'The updated fan; a new email is `pending_email` until the link mailed to it is opened', schema: UpdatedUser },
    403: { description: 'Wrong password' },
    409: { description: 'Email taken' },
  },
});

export const verifyEmail = /* @__PURE__ */ route({
  operationId: 'verifyEmail',
  method: 'POST',
  path: '/api/auth/verify-email',
  summary: 'Spend the token of a verification link: the address it was mailed to is verified (and becomes the email, after a change)',
  tags,
  // The link may be opened where the fan is not signed in; where they are, it must be theirs.
  auth: 'optional',
  body: EmailTokenBody,
  responses: {
    200: { description: 'The fan, their address verified', schema: User },
    400: { description: 'Not a verification token' },
    403: { description: "Another fan's token" },
    409: { description: 'The new address was taken meanwhile' },
    410: { description: 'Expired, already used, or voided by a newer link' },
  },
});

export const resendVerification = /* @__PURE__ */ route({
  operationId: 'resendVerification',
  method: 'POST',
  path: '/api/auth/verify-email/resend',
  summary: 'Mail a new verification link (to the address awaiting one), voiding the earlier ones',
  tags,
  auth: 'required',
  responses: {
    202: { description: 'A new link is on its way', schema: VerificationSent },
    409: { description: 'Already verified' },
  },
});

