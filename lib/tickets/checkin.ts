import { db, localTimeouts } from '../db';
import { ProblemError } from '../http/problem';
import { count } from '../metrics';
import { readCode } from './codes';
import type { CheckInInput, CheckInView } from './schemas';

const notSteward = () => new ProblemError(403, 'forbidden', "Only a steward of this match's club checks tickets in.");

/**
 * A gate scan (migration 007's ticket_check_in): the steward's role, the
 * ticket and its state are read and the ticket checked in by one statement
 * that locks the ticket, so each ticket is admitted exactly once, however
 * many gates scan it at once. A code that fails its signature or its time
 * still goes through the role check, so that only stewards learn why.
 */
export const checkIn = async (stewardId: string, input: CheckInInput): Promise<CheckInView> => {
  const verdict = await scan(stewardId, input);
  count('CheckIns', 1, { result: verdict.result, ...(verdict.reason ? { reason: verdict.reason } : {}) });
  return verdict;
};

const scan = async (stewardId: string, input: CheckInInput): Promise<CheckInView> => {
  const read = await readCode(input.code);
  const claims = read.ok ? read.claims : undefined;
  const sql = db();
  const [{ outcome }] = (await sql`
    select ticket_check_in(${stewardId}, ${input.event_id}, ${claims?.t ?? null}::uuid, ${claims?.h ?? null}::uuid) as outcome
    from ${localTimeouts(sql)}`) as unknown as [
    { outcome: CheckInView | { result: 'forbidden' } },
  ];
  if (outcome.result === 'forbidden') throw notSteward();
  if (!read.ok) return { result: 'refused', reason: read.reason };
  if (claims!.e !== input.event_id) return { result: 'refused', reason: 'wrong_event' };
  return outcome.checked_in_at ? { ...outcome, checked_in_at: new Date(outcome.checked_in_at).toISOString() } : outcome;
};
