import { invalidate, keys } from '../cache';
import { tx, type Tx } from '../db';
import { accountGone, conflict, gone, ProblemError, unavailable } from '../http/problem';
import type { AuthUser } from '../http/route';
import { appLink, delivered } from '../mail';
import type { Mail } from '../mail/types';
import { consume } from '../rate-limit';
import { proveOwnPassword } from './passwords';
import type { UpdatedUserView, UpdateMeInput, UserView } from './schemas';
// Tokens of the same kind as refresh tokens: opaque, random, only their SHA-256 kept.
import { hashOpaqueToken as hashToken, newOpaqueToken as newToken } from './tokens';
import { emailTaken, toUser, updateProfile, USER_COLUMNS, userConstraintProblem, type UserRow } from './users';

// Email verification: the link mailed on registering, on asking again, and
// to a new address; opening it proves the fan reads that address.

const PURPOSE = 'verify-email';
const LIFETIME = '24 hours';

const verificationMail = (to: string, token: string, change: boolean): Mail => ({
  to,
  subject: change ? 'Confirm your new PaieCashFan email' : 'Confirm your PaieCashFan email',
  text: [
    change ? 'You asked to make this your PaieCashFan email. Open this link to confirm it:' : 'Welcome to PaieCashFan! Open this link to confirm your email:',
    appLink('/verify-email', { token }),
    'The link works once, within 24 hours.',
    change ? 'Until then, you keep signing in with your current email.' : "If you didn't sign up, you can ignore this email.",
  ].join('\n\n'),
});

const changeNotice = (from: string, to: string): Mail => ({
  to: from,
  subject: 'Your PaieCashFan email is being changed',
  text: [
    `Your PaieCashFan email is being changed to ${to}. It changes as soon as that address is confirmed; until then, this one stays yours.`,
    `If this wasn't you, reset your password now: ${appLink('/reset-password')}`,
  ].join('\n\n'),
});

/**
 * A new verification link for `to` (the fan's address, or the one they are
 * moving to), voiding the fan's earlier links: only the latest one works.
 * The fan's row is locked by the caller, so two links never both live.
 */
const issueLink = async (sql: Tx, user: UserRow, to: string): Promise<Mail> => {
  const { token, hash } = newToken();
  await sql`
    update email_tokens set voided_at = now()
    where user_id = ${user.id} and purpose = ${PURPOSE} and used_at is null and voided_at is null`;
  await sql`
    insert into email_tokens (user_id, purpose, token_hash, email, expires_at)
    values (${user.id}, ${PURPOSE}, ${hash}, ${to}, now() + ${LIFETIME}::interval)`;
  return verificationMail(to, token, to !== user.email);
};

/** The new fan's first link, mailed once their account is committed; registering never waits on it to succeed. */
export const mailFirstLink = async (sql: Tx, user: UserRow): Promise<void> => {
  const mail = await issueLink(sql, user, user.email);
  sql.afterCommit(() => delivered(mail, user.id));
};

type TokenRow = { id: string; user_id: string; purpose: string; email: string; used_at: Date | null; voided_at: Date | null; expired: boolean };

/** Why a token found cannot verify anything, if it cannot. */
const refusal = (token: TokenRow, signedIn: AuthUser | undefined): ProblemError | undefined => {
  if (token.purpose !== PURPOSE) return new ProblemError(400, 'wrong-token-purpose', 'This link was not sent to verify an email.');
  if (signedIn && signedIn.id !== token.user_id) {
    return new ProblemError(403, 'token-of-another-account', "This link verifies another account's email: sign out, or in as that fan, to use it.");
  }
  if (token.used_at) return gone('token-used', 'This link was already used.');
  if (token.voided_at) return gone('token-superseded', 'A newer link was sent since: use the latest one.');
  if (token.expired) return gone('token-expired', 'This link has expired (links last 24 hours): ask for a new one.');
  return undefined;
};

/**
 * Spends a verification link: the address it was mailed to is verified, and
 * becomes the fan's email if it was a new one (409 if another account took
 * it meanwhile). Signed in, only one's own link is taken.
 */
export const verifyEmail = async (token: string, signedIn: AuthUser | undefined): Promise<UserView> => {
  try {
    return await tx(async (sql) => {
      const [found] = await sql<TokenRow[]>`
        select id, user_id, purpose, email, used_at, voided_at, expires_at < now() as expired
        from email_tokens where token_hash = ${hashToken(token)} for update`;
      if (!found) throw new ProblemError(400, 'invalid-token', 'This link is not one of ours: open the latest link we emailed you.');
      const refused = refusal(found, signedIn);
      if (refused) throw refused;
      await sql`update email_tokens set used_at = now() where id = ${found.id}`;
      const [user] = await sql<UserRow[]>`
        update users set email = ${found.email}, email_verified_at = now(), updated_at = now()
        where id = ${found.user_id}
        returning ${sql(USER_COLUMNS)}`;
      if (!user) throw accountGone();
      sql.afterCommit(() => invalidate(keys.user(user.id)));
      return toUser(user);
    });
  } catch (error) {
    throw userConstraintProblem(error);
  }
};

/**
 * Mails a new link to the address awaiting one: the new address of an email
 * change still running (its link not expired), else the fan's own if not yet
 * verified (409 if it is). Unlike registering, a link that cannot be sent is
 * answered 503: the fan is there to ask again.
 */
export const resendVerification = async (userId: string): Promise<{ sent_to: string }> => {
  await consume('verification-mail-user', userId);
  const mail = await tx(async (sql) => {
    const [user] = await sql<(UserRow & { pending: string | null })[]>`
      select ${sql(USER_COLUMNS)}, (
        select t.email from email_tokens t
        where t.user_id = users.id and t.purpose = ${PURPOSE} and t.used_at is null and t.voided_at is null
          and t.expires_at > now() and t.email <> users.email
        order by t.created_at desc limit 1
      ) as pending
      from users where id = ${userId} for update`;
    if (!user) throw accountGone();
    if (!user.pending && user.email_verified_at) throw conflict('email-already-verified', 'Your email is already verified.');
    return issueLink(sql, user, user.pending ?? user.email);
  });
  if (!(await delivered(mail, userId))) throw unavailable('The email could not be sent just now; ask again in a moment.');
  return { sent_to: mail.to };
};

/**
 * Name, club and email. A new email, with the fan's password, is only
 * pending: the fan keeps their address, and signs in with it, until they
 * open the link mailed to the new one; the old one is told. So a stolen
 * session (or a typo) never moves the account to an address its owner
 * cannot read, and the owner can still reset the password from theirs.
 */
export const updateMe = async (userId: string, input: UpdateMeInput): Promise<UpdatedUserView> => {
  const { email, password, ...profile } = input;
  // The schema asks for the password with every email.
  if (email !== undefined && (await proveOwnPassword(userId, password!)) !== email) await consume('verification-mail-user', userId);
  try {
    return await tx(async (sql) => {
      const user = await updateProfile(sql, userId, profile);
      if (email === undefined || email === user.email) return toUser(user);
      if ((await sql`select 1 from users where email = ${email}`).length > 0) throw emailTaken();
      const link = await issueLink(sql, user, email);
      sql.afterCommit(async () => {
        await delivered(link, userId);
        await delivered(changeNotice(user.email, email), userId);
      });
      return { ...toUser(user), pending_email: email };
    });
  } catch (error) {
    throw userConstraintProblem(error);
  }
};
