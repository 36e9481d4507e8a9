// Named imports: the default export holds every function, the sync ones too, and would bundle them all.
import { compare, hash } from 'bcryptjs';
import { config } from '../config';
import { db } from '../db';
import { accountGone, ProblemError } from '../http/problem';
import { clearAttempts, countAttempt } from '../rate-limit';

/** Cost below 10 is refused whatever the setting says. */
const cost = () => Math.max(10, config.bcryptCost());

export const hashPassword = (password: string): Promise<string> => hash(password, cost());

let decoy: Promise<string> | undefined;

/**
 * Compares against the stored hash, or against a decoy of the same cost when
 * there is no such user, so an unknown email costs as much time as a wrong
 * password and the answer time says nothing about who has an account.
 */
export const checkPassword = async (password: string, stored: string | undefined): Promise<boolean> => {
  decoy ??= hash('decoy password for unknown emails', cost());
  const ok = await compare(password, stored ?? (await decoy));
  return ok && stored !== undefined;
};

/**
 * A signed-in fan proves their password again before a change that asks for
 * it (a new password, a new email, closing the account): wrong ones are
 * counted per fan, 5 in 15 minutes, so a stolen access token is no way to
 * guess it. The slow hash is checked outside any transaction: no connection
 * waits on it. Answers the fan's email.
 */
export const proveOwnPassword = async (userId: string, password: string): Promise<string> => {
  await countAttempt('password-user', userId);
  const [row] = await db()<{ email: string; password: string }[]>`select email, password from users where id = ${userId} and deleted_at is null`;
  if (!row) throw accountGone();
  if (!(await checkPassword(password, row.password))) throw new ProblemError(403, 'wrong-password', 'The password is incorrect.');
  await clearAttempts('password-user', userId);
  return row.email;
};
