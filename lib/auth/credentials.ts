import { db, tx, type Tx } from '../db';
import { badRequest, unauthorized } from '../http/problem';
import type { AuthUser } from '../http/route';
import { clearAttempts, consume, countAttempt } from '../rate-limit';
import { checkPassword, hashPassword, proveOwnPassword } from './passwords';
import { isTheEmail, NOT_THE_EMAIL, type ChangePasswordInput, type LoginInput, type RegisterInput, type SessionView } from './schemas';
import { currentSession, endSessions, issue } from './sessions';
import { USER_COLUMNS, userConstraintProblem, type UserRow } from './users';
import { mailFirstLink } from './verification';

// Register, log in and change the password: the doors that take a password,
// and so the ones with rate limits. Apart from ./sessions, so that the
// refresh and logout functions carry neither bcrypt nor @upstash/ratelimit.

/** Where the client says who it is: the User-Agent a session is shown by. */
type Client = { ip: string; userAgent: string | undefined };

/**
 * Creates the fan, their empty euro wallet and a first session, together,
 * and mails them a link to verify their email: signing up does not wait
 * for it to be opened, nor fail if it cannot be sent.
 */
export const register = async (input: RegisterInput, { ip, userAgent }: Client): Promise<SessionView> => {
  await consume('register-ip', ip);
  const password = await hashPassword(input.password);
  try {
    return await tx(async (sql) => {
      const [user] = await sql<UserRow[]>`
        insert into users (email, password, name, club_id)
        values (${input.email}, ${password}, ${input.name}, ${input.club_id ?? null})
        returning ${sql(USER_COLUMNS)}`;
      await sql`insert into wallets (user_id) values (${user!.id})`;
      await mailFirstLink(sql, user!);
      return issue(sql, user!, { userAgent });
    });
  } catch (error) {
    throw userConstraintProblem(error);
  }
};

export const login = async (input: LoginInput, { ip, userAgent }: Client): Promise<SessionView> => {
  await consume('login-ip', ip);
  await countAttempt('login-email', input.email);
  // The slow hash is checked outside any transaction: no connection waits on it.
  const sql = db();
  const [user] = await sql<(UserRow & { password: string })[]>`
    select ${sql(USER_COLUMNS)}, password from users where email = ${input.email} and deleted_at is null`;
  const refused = () => unauthorized('The email or password is incorrect.', 'invalid-credentials');
  if (!(await checkPassword(input.password, user?.password))) throw refused();
  await clearAttempts('login-email', input.email);
  return tx(async (sql) => {
    // The password may have changed since it was checked: a reset or a change ends every session it
    // does not keep, and must not miss this one. Held until commit, so the change waits for this session to end it.
    const [still] = await sql`select 1 from users where id = ${user!.id} and password = ${user!.password} for share`;
    if (!still) throw refused();
    return issue(sql, user!, { userAgent });
  });
};

/** The rules registration applies to a new password that the schema alone cannot: it must not be the account's email. */
export const checkNewPassword = (password: string, email: string, field: string): void => {
  if (isTheEmail(password, email)) throw badRequest(NOT_THE_EMAIL, [{ path: `body.${field}`, message: NOT_THE_EMAIL }]);
};

/** What a reset token may be spent on, stored beside it: a token mailed for anything else is no reset link. */
export const RESET_PURPOSE = 'password-reset';

/**
 * Stores a new password hash and spends the fan's outstanding reset links:
 * one mailed before the change must not undo it.
 */
export const setPassword = async (sql: Tx, userId: string, hash: string): Promise<void> => {
  await sql`update users set password = ${hash}, updated_at = now() where id = ${userId}`;
  await sql`update email_tokens set used_at = now() where user_id = ${userId} and purpose = ${RESET_PURPOSE} and used_at is null`;
};

/**
 * Changes the password of a signed-in fan who proves the current one, and
 * ends their other sessions: whoever else held one lost it with the old
 * password. A wrong current password is 403 (the token itself is fine),
 * and counted: 5 per 15 minutes.
 */
export const changePassword = async (user: AuthUser, input: ChangePasswordInput): Promise<void> => {
  const keep = currentSession(user);
  const email = await proveOwnPassword(user.id, input.current_password);
  checkNewPassword(input.new_password, email, 'new_password');
  const hash = await hashPassword(input.new_password);
  await tx(async (sql) => {
    await setPassword(sql, user.id, hash);
    await endSessions(sql, user.id, { keep });
  });
};
