import { invalidate, keys } from '../cache';
import { db } from '../db';
import { notFound } from '../http/problem';
import type { Claim, Reply } from '../http/route';
import { logger } from '../log';
import { pushNotifications, type NotificationRow } from '../notifications/notifications';
import { act, type Staff } from '../staff/act';
import { freshResult, iso, post } from '../wallet/movement';
import { eventLists } from './events';
import { forgetSale } from './queue';
import { eventNotFound } from './refusals';
import type { CancellationView } from './schemas';

/**
 * Tickets refunded by one statement: its locks (up to this many fans'
 * wallets and the ticketing shards) are held for tens of milliseconds,
 * which purchases of other matches may wait behind.
 */
export const BATCH_TICKETS = 200;

/** What is kept back of a request's time after a batch, at the least: the next batch is not started without it. */
const BATCH_MARGIN_MS = 1000;

type JobRow = Omit<CancellationView, 'currency' | 'created_at' | 'finished_at' | 'amount_refunded'> & {
  amount_refunded: number | string;
  created_at: Date | string;
  finished_at: Date | string | null;
};

const toView = (job: JobRow): CancellationView => ({
  id: job.id,
  event_id: job.event_id,
  status: job.status,
  tickets: job.tickets,
  refunded: job.refunded,
  amount_refunded: Number(job.amount_refunded),
  currency: 'EUR',
  created_at: iso(job.created_at),
  finished_at: job.finished_at && iso(job.finished_at),
});

/**
 * Cancels a match (migration 018's event_cancel), as its club's admin: one
 * transaction marks it, withdraws its resale offers, opens its refund job
 * and writes the audit entry; a second call, with any key, or an admin's
 * at the same time (the match's row is locked), finds the same job. Then
 * the refunds are worked on while the request has time, and the answer is
 * the job's progress. A replay of the key answers the job as it was
 * accepted, as every keyed answer is replayed; the refunds go on all the same.
 */
export const cancelEvent = async (staff: Staff, claim: Claim, eventId: string, workLeftMs: () => number): Promise<Reply> => {
  const accepted = await act<CancellationView>(staff, {
    role: 'admin',
    action: 'event.cancel',
    claim,
    find: async (sql) => {
      const [match] = await sql<{ id: string; club: string }[]>`select id, club from events where id = ${eventId} for update`;
      return match && { club: match.club, id: match.id };
    },
    missing: eventNotFound,
    change: async (sql, match) => {
      const [{ canceled_at: before }] = (await sql`select canceled_at from events where id = ${match.id}`) as unknown as [{ canceled_at: Date | null }];
      const [job] = await sql<JobRow[]>`select (event_cancel(${match.id}, ${staff.userId})).*`;
      // What fans read of the match: the lists it leaves, and its waiting room, which closes.
      sql.afterCommit(() => {
        forgetSale(match.id);
        return invalidate(...eventLists(match.club), keys.onSale(match.id));
      });
      const view = toView(job!);
      return { status: 202, result: view, before: { canceled_at: before && iso(before) }, after: { canceled_at: iso(job!.created_at), cancellation: view.id } };
    },
  });
  if (accepted.problem) return accepted;
  const job = accepted.body as CancellationView;
  const progress = await refundWhileTime(job.id, workLeftMs).catch((error: unknown) => {
    // Accepted and committed: what is left is resumed every minute (resumeCancellations).
    logger.error('refunds interrupted', { cancellation: job.id, error: String(error) });
    return undefined;
  });
  return accepted.replayed ? accepted : { status: 202, body: progress ?? job };
};

/** A match's refund job, to its club's admin; 404 before the match is cancelled. */
export const getCancellation = async (userId: string, eventId: string): Promise<CancellationView> => {
  const [job] = await db()<JobRow[]>`
    select c.* from event_cancellations c join events e on e.id = c.event_id
    where c.event_id = ${eventId}
      and exists (select 1 from club_roles r where r.user_id = ${userId} and r.club_id = e.club and r.role = 'admin')`;
  if (!job) throw notFound('No cancelled match of a club you are an admin of has this id.');
  return toView(job);
};

type Batch = { job: JobRow; notified: (Omit<NotificationRow, 'created_at'> & { user_id: string; created_at: string })[] };

/**
 * One batch of refunds (migration 018's event_cancellation_batch), one
 * statement: each refunded fan's wallet caches are cleared, their new
 * balance written back, once it has committed; the notifications it
 * recorded are pushed to their fans' open connections.
 */
const refundBatch = async (jobId: string): Promise<CancellationView> => {
  const settled = await post<Batch>((sql) => sql`select event_cancellation_batch(${jobId}, ${BATCH_TICKETS}) as outcome`);
  const batch = freshResult(settled)!;
  // Read back from jsonb, where a time is a string.
  await pushNotifications(batch.notified.map((n) => ({ ...n, created_at: new Date(n.created_at) })));
  return toView(batch.job);
};

/**
 * Refunds batch after batch until the job is done or `workLeftMs` would not
 * leave room for another batch (twice the longest so far, and the margin).
 * Answers the job's progress.
 */
export const refundWhileTime = async (jobId: string, workLeftMs: () => number): Promise<CancellationView | undefined> => {
  let job: CancellationView | undefined;
  let longest = 0;
  while (workLeftMs() > BATCH_MARGIN_MS + 2 * longest && job?.status !== 'done') {
    const started = Date.now();
    job = await refundBatch(jobId);
    longest = Math.max(longest, Date.now() - started);
  }
  return job;
};

/** How long the scheduled resumer works, well inside its function's timeout (serverless.yml). */
const RESUME_BUDGET_MS = 45_000;

/**
 * Every minute (functions/maintenance/resume-cancellations.ts): the refund
 * jobs still running, each worked on in turn within the run's time; a
 * cancellation whose request ran out of time, or whose connection was cut,
 * goes on from where its last committed batch left it.
 */
export const resumeCancellations = async (budgetMs = RESUME_BUDGET_MS) => {
  const until = Date.now() + budgetMs;
  const running = await db()<{ id: string }[]>`select id from event_cancellations where status = 'running' order by created_at`;
  let done = 0;
  for (const { id } of running) {
    const job = await refundWhileTime(id, () => until - Date.now());
    if (!job) break;
    if (job.status === 'done') done++;
  }
  return { running: running.length, done };
};
