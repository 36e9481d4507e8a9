import type { JSONValue } from 'postgres';
import { tx, type Tx } from '../db';
import { ProblemError } from '../http/problem';
import type { AuthUser, Claim, Reply } from '../http/route';
import { claimParameter, claimRefused, conflictOf, keyReused, type Settled } from '../wallet/movement';
import { roleIn } from './access';
import { record } from './audit';
import type { Role } from './schemas';

/** Who acts in the back office: the signed-in member of a club's staff, and their request (the audit trail names both). */
export type Staff = { userId: string; requestId: string };

export const staffOf = (input: { user: AuthUser; request: { id: string } }): Staff => ({ userId: input.user.id, requestId: input.request.id });

/** The object a change is made to: its id as the audit trail names it, and the club it belongs to. */
export type Target = { club: string; id: string };

/** What a change did: its answer, and the object before and after it, as the audit trail keeps them. */
export type Change<T> = { status?: number; result: T; before?: unknown; after?: unknown; id?: string };

type Step<T> = {
  role: Role;
  /** `<object>.<verb>`, such as `event.cancel`: the object's type is its first part. */
  action: `${string}.${string}`;
  find: (sql: Tx) => Promise<Target | undefined>;
  missing: () => ProblemError;
  change: (sql: Tx, target: Target) => Promise<Change<T>>;
  claim?: Claim;
};

/**
 * One back-office change: the object is found (and locked) by `find`; the
 * staff member must hold `role` in its club (an admin holds every role of
 * theirs), else it is `missing`, exactly as an object that does not exist
 * (an admin of one club learns nothing of another's); then `change` makes
 * it and the audit entry is written, in the same transaction. A route that
 * moves money or stock passes its Idempotency-Key's claim, settled in that
 * transaction too: a retry answers the stored outcome, a refusal's problem
 * (a 404, a 400 of the domain's) included. A conflict is not stored, as a
 * movement's is not: it may be gone at the next try.
 */
export const act = async <T>(staff: Staff, step: Step<T>): Promise<Reply> => {
  try {
    return await tx(async (sql) => {
      const claim = step.claim;
      if (!claim) return await made(sql, staff, step);
      // Answered as stored (jsonb orders an object's keys its own way), so that a replay is the same bytes as the first answer.
      const settle = async (status: number, result: unknown) => {
        const [{ settled }] = (await sql`select movement_settle(${claimParameter(sql, claim)}, ${status}, ${sql.json(result as JSONValue)}, '{}') as settled`) as unknown as [
          { settled: Settled<T> },
        ];
        return { status, body: settled.result, ...(status >= 400 ? { problem: true } : {}) };
      };
      const [{ prior }] = (await sql`select movement_claim(${claimParameter(sql, claim)}) as prior`) as unknown as [{ prior: Settled<T> | null }];
      if (prior?.reused) throw keyReused();
      if (prior) return { status: prior.status, body: prior.result, replayed: true, problem: prior.status >= 400 };
      try {
        const reply = await sql.savepoint((inner) => made(Object.assign(inner, { afterCommit: sql.afterCommit }), staff, step));
        return await settle(reply.status, reply.body);
      } catch (error) {
        const problem = conflictOf(error);
        if (!(problem instanceof ProblemError) || problem.status >= 500 || problem.status === 409) throw error;
        return await settle(problem.status, problem.toProblem());
      }
    });
  } catch (error) {
    throw conflictOf(claimRefused(error));
  }
};

/** The change made, in the club whose role the staff member holds, with its audit entry. */
const made = async <T>(sql: Tx, staff: Staff, step: Step<T>): Promise<Reply> => {
  const target = await step.find(sql);
  const role = target && (await roleIn(sql, staff.userId, target.club, step.role));
  if (!target || !role) throw step.missing();
  const done = await step.change(sql, target);
  const status = done.status ?? 200;
  await record(sql, {
    club: target.club,
    actor: staff.userId,
    role,
    action: step.action,
    object: done.id ?? target.id,
    before: done.before,
    after: done.after,
    requestId: staff.requestId,
  });
  return { status, body: done.result };
};
