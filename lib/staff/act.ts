import type { JSONValue } from 'postgres';
import { tx, type Tx } from '../db';
import type { ProblemError } from '../http/problem';
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

/**
 * One back-office change: the object is found (and locked) by `find`; the
 * staff member must hold `role` in its club (an admin holds every role of
 * theirs), else it is `missing`, exactly as an object that does not exist
 * (an admin of one club learns nothing of another's); then `change` makes
 * it and the audit entry is written, in the same transaction. A route that
 * moves money or stock passes its Idempotency-Key's claim, settled in that
 * transaction too: a retry answers the stored outcome, a 404 as any other.
 */
export const act = async <T>(
  staff: Staff,
  step: {
    role: Role;
    /** `<object>.<verb>`, such as `event.cancel`: the object's type is its first part. */
    action: `${string}.${string}`;
    find: (sql: Tx) => Promise<Target | undefined>;
    missing: () => ProblemError;
    change: (sql: Tx, target: Target) => Promise<Change<T>>;
    claim?: Claim;
  },
): Promise<Reply> => {
  try {
    return await tx(async (sql) => {
      if (step.claim) {
        const [{ prior }] = (await sql`select movement_claim(${claimParameter(sql, step.claim)}) as prior`) as unknown as [{ prior: Settled<T> | null }];
        if (prior?.reused) throw keyReused();
        // A stored 4xx is the problem it answered.
        if (prior) return { status: prior.status, body: prior.result, replayed: true, problem: prior.status >= 400 };
      }
      const target = await step.find(sql);
      const role = target && (await roleIn(sql, staff.userId, target.club, step.role));
      if (!target || !role) {
        const missing = step.missing();
        if (!step.claim) throw missing;
        // A keyed request is answered the same on every retry, its refusal as any outcome.
        const [{ stored }] = (await sql`
          select movement_settle(${claimParameter(sql, step.claim)}, ${missing.status}, ${sql.json(missing.toProblem() as JSONValue)}, '{}') -> 'result' as stored`) as unknown as [
          { stored: unknown },
        ];
        // As stored, so that its replays are the same bytes.
        return { status: missing.status, body: stored, problem: true };
      }
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
      if (step.claim) await sql`select movement_settle(${claimParameter(sql, step.claim)}, ${status}, ${sql.json(done.result as JSONValue)}, '{}')`;
      return { status, body: done.result };
    });
  } catch (error) {
    throw conflictOf(claimRefused(error));
  }
};
