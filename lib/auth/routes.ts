import { route } from '../http/route';
import {
  ChangePasswordBody,
  EmailTokenBody,
  LoginBody,
  RefreshBody,
  RegisterBody,
  ResetConfirmBody,
  ResetRequestBody,
  ResetRequested,
  Session,
  SessionParams,
  Sessions,
  UpdatedUser,
  UpdateMeBody,
  User,
  VerificationSent,
} from './schemas';

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
  summary: 'Spend a refresh token for a new token pair (reuse ends the session)',
  tags,
  auth: 'none',
  body: RefreshBody,
  responses: { 200: { description: 'The next token pair', schema: Session }, 401: { description: 'Invalid, expired or reused token' } },
});

export const logout = /* @__PURE__ */ route({
  operationId: 'logout',
  method: 'POST',
  path: '/api/auth/logout',
  summary: 'End the session a refresh token belongs to; its access tokens stop working at once',
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


export const listSessions = /* @__PURE__ */ route({
  operationId: 'listSessions',
  method: 'GET',
  path: '/api/auth/sessions',
  summary: "The fan's live sessions: one per login, with when it was last refreshed and from what",
  tags,
  auth: 'required',
  responses: { 200: { description: 'The sessions, most recently used first; `current` is the one this request comes from', schema: Sessions } },
});

export const endSession = /* @__PURE__ */ route({
  operationId: 'endSession',
  method: 'DELETE',
  path: '/api/auth/sessions/{id}',
  summary: 'End one session: its refresh token revoked, its access tokens and WebSocket connections ended at once',
  tags,
  auth: 'required',
  params: SessionParams,
  responses: { 204: { description: 'Ended' }, 404: { description: 'No such live session of yours' } },
});

export const endOtherSessions = /* @__PURE__ */ route({
  operationId: 'endOtherSessions',
  method: 'DELETE',
  path: '/api/auth/sessions',
  summary: 'End every session but the one this request comes from',
  tags,
  auth: 'required',
  responses: { 204: { description: 'The others ended' } },
});

export const changePassword = /* @__PURE__ */ route({
  operationId: 'changePassword',
  method: 'POST',
  path: '/api/auth/password',
  summary: 'Change the password, proving the current one; ends the other sessions',
  tags,
  auth: 'required',
  body: ChangePasswordBody,
  responses: { 204: { description: 'Changed; this session goes on, the others are ended' }, 403: { description: 'The current password is wrong' } },
});

export const requestPasswordReset = /* @__PURE__ */ route({
  operationId: 'requestPasswordReset',
  method: 'POST',
  path: '/api/auth/password-reset',
  summary: 'Mail a single-use link to choose a new password (the same answer, in the same time, for any email)',
  tags,
  auth: 'none',
  body: ResetRequestBody,
  responses: { 202: { description: 'Accepted, whether or not the email has an account', schema: ResetRequested } },
});

export const confirmPasswordReset = /* @__PURE__ */ route({
  operationId: 'confirmPasswordReset',
  method: 'POST',
  path: '/api/auth/password-reset/confirm',
  summary: "Spend a reset link's token on a new password; ends every session",
  tags,
  auth: 'none',
  body: ResetConfirmBody,
  responses: {
    204: { description: 'Password set; every session ended, log in again' },
    400: { description: 'Not a password reset token (unknown, or of another purpose)' },
    410: { description: 'The link was already used (`reset-token-used`) or has expired (`reset-token-expired`)' },
  },
});
