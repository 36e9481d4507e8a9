import { route } from '../http/route';
import { LoginBody, RefreshBody, RegisterBody, Session, UpdateMeBody, User } from './schemas';

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
  summary: 'Change name or club',
  tags: ['users'],
  auth: 'required',
  body: UpdateMeBody,
  responses: { 200: { description: 'The updated fan', schema: User } },
});

