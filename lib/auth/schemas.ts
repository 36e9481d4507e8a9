import * as z from 'zod/mini';
import { ClubId, plainText, schema } from '../http/schemas';

const PASSWORD_MIN = 8;
// bcrypt reads at most 72 bytes: a longer password would be silently cut.
const PASSWORD_MAX_BYTES = 72;

export const Email = /* @__PURE__ */ schema(() =>
  z.pipe(
    z.string().check(z.trim(), z.toLowerCase()),
    z.email({ error: 'Must be a valid email address' }).check(z.maxLength(254)),
  ),
);

export const Password = /* @__PURE__ */ schema(() =>
  z.string().check(
    z.minLength(PASSWORD_MIN, { error: `Password must be at least ${PASSWORD_MIN} characters (NIST SP 800-63B)` }),
    z.refine((p) => Buffer.byteLength(p, 'utf8') <= PASSWORD_MAX_BYTES, {
      error: `Password must be at most ${PASSWORD_MAX_BYTES} bytes`,
    }),
  ),
);

export const Name = /* @__PURE__ */ schema(() =>
  z.string().check(
    z.trim(),
    z.maxLength(100),
    plainText(),
    // Zero-width or punctuation-only names would let a fan look like no one.
    z.regex(/[\p{L}\p{N}]/u, { error: 'Name must contain a letter or a digit' }),
  ),
);

/** A password that is its account's email guesses itself: refused wherever a password is chosen. */
export const isTheEmail = (password: string, email: string) => password.trim().toLowerCase() === email;
export const NOT_THE_EMAIL = 'Password must not be the email address';

export const RegisterBody = /* @__PURE__ */ schema(() =>
  z.strictObject({ email: Email, password: Password, name: Name, club_id: z.optional(ClubId) }).check(
    z.refine((b) => !isTheEmail(b.password, b.email), { error: NOT_THE_EMAIL, path: ['password'] }),
  ),
);

/** A password as typed to prove who one is: checked against the hash, whatever rules it was chosen under. */
const GivenPassword = /* @__PURE__ */ schema(() => z.string().check(z.minLength(1), z.maxLength(1024)));

export const LoginBody = /* @__PURE__ */ schema(() =>
  z.strictObject({
    email: Email,
    password: GivenPassword,
  }),
);

export const RefreshBody = /* @__PURE__ */ schema(() => z.strictObject({ refresh_token: z.string().check(z.minLength(1), z.maxLength(512)) }));

export const ChangePasswordBody = /* @__PURE__ */ schema(() => z.strictObject({ current_password: GivenPassword, new_password: Password }));

export const ResetRequestBody = /* @__PURE__ */ schema(() => z.strictObject({ email: Email }));

export const ResetConfirmBody = /* @__PURE__ */ schema(() =>
  z.strictObject({ token: z.string().check(z.minLength(1), z.maxLength(512)), password: Password }),
);

export const SessionParams = /* @__PURE__ */ schema(() => z.strictObject({ id: z.uuid({ error: 'Must be a session id' }) }));

export const UpdateMeBody = /* @__PURE__ */ schema(() =>
  z
    .strictObject({ name: z.optional(Name), club_id: z.optional(z.nullable(ClubId)), email: z.optional(Email), password: z.optional(GivenPassword) })
    .check(
      z.refine((b) => b.name !== undefined || b.club_id !== undefined || b.email !== undefined, { error: 'Send name, club_id, email or several' }),
      // Whoever holds a stolen access token must not move the account to an address of theirs.
      z.refine((b) => b.email === undefined || b.password !== undefined, { error: 'Send your password to change your email', path: ['password'] }),
    ),
);

/** The token of a link mailed to the fan (`?token=` of the link). */
export const EmailTokenBody = /* @__PURE__ */ schema(() => z.strictObject({ token: z.string().check(z.minLength(1), z.maxLength(512)) }));

export const User = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    club_id: z.nullable(z.string()),
    /** Whether the fan opened the link mailed to `email`. */
    email_verified: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  }),
);

/** The fan after a change; `pending_email` while a new address awaits the link mailed to it, `email` staying theirs until then. */
export const UpdatedUser = /* @__PURE__ */ schema(() => z.extend(User, { pending_email: z.optional(z.string()) }));

export const VerificationSent = /* @__PURE__ */ schema(() => z.object({ sent_to: z.string() }));

export const Session = /* @__PURE__ */ schema(() =>
  z.object({
    user: User,
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number(),
  }),
);

export const SessionSummary = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    created_at: z.string(),
    last_used_at: z.string(),
    user_agent: z.nullable(z.string()),
    current: z.boolean(),
  }),
);

export const Sessions = /* @__PURE__ */ schema(() => z.object({ sessions: z.array(SessionSummary) }));

/** What a reset request answers, whether or not the email has an account. */
export const ResetRequested = /* @__PURE__ */ schema(() => z.object({ status: z.literal('accepted'), detail: z.string() }));

export type RegisterInput = z.infer<typeof RegisterBody>;
export type LoginInput = z.infer<typeof LoginBody>;
export type UpdateMeInput = z.infer<typeof UpdateMeBody>;
export type UserView = z.infer<typeof User>;
export type UpdatedUserView = z.infer<typeof UpdatedUser>;
export type SessionView = z.infer<typeof Session>;
export type ChangePasswordInput = z.infer<typeof ChangePasswordBody>;
export type ResetRequestInput = z.infer<typeof ResetRequestBody>;
export type ResetConfirmInput = z.infer<typeof ResetConfirmBody>;
export type SessionsView = z.infer<typeof Sessions>;
export type ResetRequestedView = z.infer<typeof ResetRequested>;
