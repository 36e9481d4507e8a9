import { setTimeout as sleep } from 'node:timers/promises';
import { db, tx } from '../db';
import { badRequest, gone } from '../http/problem';
import { logger } from '../log';
import { appLink, delivered } from '../mail';
import { clearAttempts, consume } from '../rate-limit';
import { checkNewPassword, RESET_PURPOSE as PURPOSE, setPassword } from './credentials';
import { hashPassword } from './passwords';
import type { ResetConfirmInput, ResetRequestedView, ResetRequestInput } from './schemas';
import { endSessions } from './sessions';
import { hashOpaqueToken, newOpaqueToken } from './tokens';

const VALID_FOR_MINUTES = 30;

/**
 * Whatever the email, the answer comes no sooner than this after the
 * request: only an account gets a token and a mail, and the time that takes
 * (an SES call is tens of milliseconds) must not tell who has one.
 */
export const RESET_ANSWER_MS = 400;

const ACCEPTED: ResetRequestedView = {
  status: 'accepted',
  detail: 'If an account has this email, a link to choose a new password is on its way. It works once, for 30 minutes.',
};

/**
 * Mails a single-use link to choose a new password, if the email has an
 * account. The answer is the same either way, and takes the same time: the
 * same statement runs for both (it stores a token only for an account), and
 * the answer waits out `RESET_ANSWER_MS`. A mail that fails is logged, not
 * answered: a 500 would say the account exists.
 */
export const requestReset = async ({ email }: ResetRequestInput, ip: string): Promise<ResetRequestedView> => {
  const started = performance.now();
  await consume('password-reset-ip', ip);
  await consume('password-reset-email', email);
  const { token, hash } = newOpaqueToken();
  const [fan] = await db()<{ id: string; email: string; name: string }[]>`
    with fan as (select id, email, name from users where email = ${email}),
    stored as (
      insert into email_tokens (user_id, purpose, token_hash, email, expires_at)
      select id, ${PURPOSE}, ${hash}, email, now() + make_interval(mins => ${VALID_FOR_MINUTES}) from fan)
    select id, email, name from fan`;
  if (fan) {
    await delivered({
      to: fan.email,
      subject: 'Choose a new PaieCashFan password',
      text: [
        `Hi ${fan.name},`,
        '',
        `Someone asked to reset the password of your PaieCashFan account. If it was you, choose a new one here within ${VALID_FOR_MINUTES} minutes:`,
        '',
        appLink('/reset-password', { token }),
        '',
        'Doing so signs you out everywhere. If it was not you, ignore this email: your password stays as it is.',
      ].join('\n'),
    }, fan.id);
  }
  const elapsed = performance.now() - started;
  if (elapsed > RESET_ANSWER_MS) logger.warn('password reset took longer than its padded answer time', { elapsed_ms: Math.round(elapsed) });
  else await sleep(RESET_ANSWER_MS - elapsed);
  return ACCEPTED;
};

type Found = { user_id: string; email: string; used: boolean; expired: boolean };

/** Why a token cannot be spent, named: another purpose's or unknown, already used, or expired. */
const refusal = (found: Found | undefined) => {
  if (!found) return badRequest('This link is not a valid password reset link; ask for a new one.', [{ path: 'body.token', message: 'Unknown reset token' }]);
  if (found.used) return gone('reset-token-used', 'This password reset link has already been used; ask for a new one.');
  if (found.expired) return gone('reset-token-expired', `This password reset link has expired (they last ${VALID_FOR_MINUTES} minutes); ask for a new one.`);
  return undefined;
};

const find = async (hash: Buffer): Promise<Found | undefined> =>
  (
    await db()<Found[]>`
      select t.user_id, u.email, t.used_at is not null as used, t.expires_at <= now() as expired
      from email_tokens t join users u on u.id = t.user_id
      where t.token_hash = ${hash} and t.purpose = ${PURPOSE}`
  )[0];

/**
 * Spends a reset token on a new password, and ends every session of the
 * fan: refresh tokens revoked, access tokens void, WebSocket connections
 * closed. Whoever knew the old password is out.
 */
export const confirmReset = async ({ token, password }: ResetConfirmInput, ip: string): Promise<void> => {
  await consume('password-reset-ip', ip);
  const hash = hashOpaqueToken(token);
  const found = await find(hash);
  const refused = refusal(found);
  if (refused) throw refused;
  await consume('password-reset-email', found!.email);
  checkNewPassword(password, found!.email, 'password');
  const newHash = await hashPassword(password);
  await tx(async (sql) => {
    // Spent only if still spendable now: of two confirmations at once, one wins.
    const [spent] = await sql<{ user_id: string }[]>`
      update email_tokens set used_at = now()
      where token_hash = ${hash} and purpose = ${PURPOSE} and used_at is null and expires_at > now()
      returning user_id`;
    if (!spent) throw refusal(await find(hash)) ?? new Error('a reset token neither spendable nor refused');
    await setPassword(sql, spent.user_id, newHash);
    await endSessions(sql, spent.user_id);
  });
  // The link proved the inbox: a lock-out earned by someone guessing the old password no longer applies.
  await clearAttempts('login-email', found!.email);
};
