import type { JSONValue, PendingQuery, Row } from 'postgres';
import { keys, writeBack, type CacheKey } from '../cache';
import { config } from '../config';
import { db, pgCode, retrying, type Sql, type Tx } from '../db';
import { KEY_TTL, type Claim, type Reply } from '../http/route';
import { accountGone, ProblemError, refused } from '../http/problem';
import { balanceView, type WalletFigures } from './accounts';

/**
 * What a movement function of migration 003 answers: the stored outcome
 * (fresh, or replayed for a retry), whose `result` is the movement's facts
 * or a refusal's. A key stored before those functions keeps its rendered body.
 */
export type Settled<R> = {
  status: number;
  result: R | Refusal;
  fans?: string[];
  replayed?: boolean;
  reused?: boolean;
  legacy_body?: string | null;
};

/** A refusal as stored: its slug and the figures its message needs. */
export type Refusal = { refusal: string; [figure: string]: unknown };

/** Turns a stored refusal back into its problem; each domain names its own. */
export type Refusals = Record<string, (facts: Refusal) => ProblemError>;

/** What wallet_views (migrations 012, 027) answers: by fan, their wallet and the sequence of its newest entry. */
export type Wallets = Record<string, WalletFigures & { seq: number }>;

/** The claim as the movement functions take it: {user_id, key, fingerprint, ttl, lock_timeout}. */
type ClaimParameter = ReturnType<Sql['json']>;

/** A movement's call as its domain writes it: the statement calling its function, given the claim as the function takes it. */
export type MovementCall = (sql: Sql, claim: ClaimParameter) => PendingQuery<Row[]>;

/**
 * The one primitive every money movement goes through (deposits, payments
 * between fans, request payments, and each purchase): one statement calling
 * the movement's function, which claims the key, locks, checks, posts the
 * legs (and stock) and stores the outcome, all committed together. A key
 * already settled answers its stored outcome, marked replayed; the same key
 * with another request is 422.
 *
 * `call` builds the statement from the claim as the function takes it.
 */
export const movement = async <R>(
  claim: Claim,
  call: MovementCall,
  stale: (result: R) => CacheKey[] = () => [],
): Promise<Settled<R>> => {
  let settled: Settled<R>;
  try {
    settled = await post<R>((sql) => call(sql, claimParameter(sql, claim)), stale);
  } catch (error) {
    throw claimRefused(error);
  }
  if (settled.reused) throw keyReused();
  return settled;
};

/** The key is the fan's: a token whose fan no longer exists cannot claim one (PF401, migration 027). Any other error is returned as it is. */
export const claimRefused = (error: unknown): unknown => (pgCode(error) === 'PF401' ? accountGone() : error);

/** The claim as migration 003's movement_claim takes it. */
export const claimParameter = (sql: Sql | Tx, claim: Claim): ClaimParameter =>
  sql.json({ user_id: claim.userId, key: claim.key, fingerprint: claim.fingerprint, ttl: KEY_TTL, lock_timeout: String(config.lockTimeoutMs()) });

export const keyReused = () => refused('idempotency-key-reused', 'This Idempotency-Key was already used with a different request.');

/**
 * Runs a movement's one statement, whether a fan's request claimed it or a
 * provider's event (idempotent by the state it finds) made it. The caches of
 * the fans whose wallets moved are cleared once the statement has
 * committed, with what else `stale` names (a cart, a product list), in the
 * same one call to Redis; but their new balances, which their apps read
 * next, come back from the same statement and are cached at once instead
 * (`writeBack`).
 */
export const post = async <R>(statement: (sql: Sql) => PendingQuery<Row[]>, stale: (result: R) => CacheKey[] = () => []): Promise<Settled<R>> => {
  const sql = db();
  let settled: Settled<R>;
  let wallets: Wallets;
  try {
    [{ outcome: settled, wallets }] = (await retrying(() => movementStatement(sql, statement(sql)))) as unknown as [{ outcome: Settled<R>; wallets: Wallets }];
  } catch (error) {
    throw conflictOf(error);
  }
  const fresh = freshResult(settled);
  if (fresh) await walletsMoved(settled.fans ?? [], wallets, stale(fresh));
  return settled;
};

/**
 * The one statement a movement sends: its call, and the wallets of the fans
 * it moved, read by wallet_views after it in the same statement (OFFSET 0
 * keeps the call a subquery run first).
 */
export const movementStatement = (sql: Sql, call: PendingQuery<Row[]>) =>
  sql`select m.outcome, wallet_views(m.outcome -> 'fans') as wallets from (${call} offset 0) m`;

/**
 * After a movement committed: each fan's new balance (as wallet_views read
 * it in the movement's transaction) stored unless a later movement's is
 * already there (lib/cache.ts), their statements and what else is `stale`
 * cleared, in one call to Redis.
 */
export const walletsMoved = async (fans: string[], wallets: Wallets, stale: CacheKey[]): Promise<void> => {
  const balances = fans.map((id) => ({ entry: keys.walletBalance(id), value: wallets[id] && balanceView(wallets[id]), sequence: Number(wallets[id]?.seq ?? 0) }));
  await writeBack(balances, ...fans.map(keys.transactions), ...stale);
};

/**
 * The facts of a movement that succeeded just now (not a replay, not a
 * refusal): what follows its commit (clearing caches, pushing to fans)
 * happens once, not again on each retry.
 */
export const freshResult = <R>(settled: Settled<R>): R | undefined =>
  !settled.replayed && settled.status < 300 ? (settled.result as R) : undefined;

/**
 * PF409, raised by a function of the migrations, is a conflict that stores
 * nothing (a key still in flight, a request already settled, sold out, an
 * offer gone): its problem, whose extras are its hint's figures when it has
 * one (the products sold out). Any other error is returned as it is.
 */
export const conflictOf = (error: unknown): unknown => {
  if (pgCode(error) !== 'PF409') return error;
  const { message, detail, hint } = error as { message: string; detail?: string; hint?: string };
  return new ProblemError(409, message, detail ?? message, hint ? (JSON.parse(hint) as Record<string, unknown>) : {});
};

/** A refusal decided before any lock (a limit), stored as the key's outcome like any other. */
export const refuse = (claim: Claim, status: number, facts: Refusal): Promise<Settled<never>> =>
  movement(claim, (sql, c) => sql`select movement_refuse(${c}, ${status}, ${sql.json(facts as unknown as JSONValue)}) as outcome`);

/**
 * The answer for a settled movement: its view, or its refusal's problem,
 * rendered from the stored facts, so a replay is the same bytes as the
 * first answer.
 */
export const answer = <R>(settled: Settled<R>, refusals: Refusals, view: (result: R) => unknown): Reply => {
  const replayed = settled.replayed === true;
  // A stored 4xx is always a refusal's problem.
  const problem = settled.status >= 400;
  if (settled.legacy_body) return { status: settled.status, raw: settled.legacy_body, problem, replayed };
  const result = settled.result;
  if (isRefusal(result)) {
    const explain = refusals[result.refusal];
    if (!explain) throw new Error(`no problem for the stored refusal ${result.refusal}`);
    return { status: settled.status, body: explain(result).toProblem(), problem, replayed };
  }
  return { status: settled.status, body: view(result), replayed };
};

const isRefusal = (result: unknown): result is Refusal =>
  typeof result === 'object' && result !== null && typeof (result as Refusal).refusal === 'string';

/** Timestamps come back from jsonb as Postgres writes them; the API speaks ISO 8601 in UTC. */
export const iso = (timestamp: string | Date): string => new Date(timestamp).toISOString();
