import { cached, keys } from '../cache';
import { db } from '../db';
import { notFound } from '../http/problem';
import type { Claim, Reply } from '../http/route';
import { recommendationsKey } from '../recommendations/keys';
import { shardOf } from '../wallet/ledger';
import { count } from '../metrics';
import { answer, freshResult, iso, movement, type Refusals } from '../wallet/movement';
import { paymentRefusals } from '../wallet/refusals';
import { toPlanView, type PlanRow } from './plans';
import { provider } from './provider';
import type { EsimStatus, EsimView, UsageView } from './schemas';

type EsimRow = {
  id: string;
  iccid: string;
  activation_code: string;
  qr_code: string;
  activated_at: string | Date;
  expires_at: string | Date;
  data_total: number;
  data_used: number;
};
/** An eSIM with its plan, as the movements report it and as it is cached. */
type Held = { esim: EsimRow; plan: PlanRow };

const noEsim = () => notFound('You have no eSIM: activate one with POST /api/esim/activate.');

const esimRefusals: Refusals = {
  ...paymentRefusals,
  'plan-not-found': () => notFound('No eSIM plan has this id.'),
  'no-esim': noEsim,
};

/** Expired past its date, finished when its data is used up, else active. */
const statusOf = (esim: EsimRow, now = Date.now()): EsimStatus =>
  new Date(esim.expires_at).getTime() <= now ? 'EXPIRED' : esim.data_used >= esim.data_total ? 'FINISHED' : 'ACTIVE';

const toView = ({ esim, plan }: Held): EsimView => ({
  id: esim.id,
  iccid: esim.iccid,
  plan: toPlanView(plan),
  status: statusOf(esim),
  activation_code: esim.activation_code,
  qr_code: esim.qr_code,
  activated_at: iso(esim.activated_at),
  expires_at: iso(esim.expires_at),
  data_total_mb: esim.data_total,
  data_used_mb: esim.data_used,
});

/** What a plan bought makes stale besides the wallet: the fan's eSIM, and their recommendations. */
const stale = (userId: string) => () => [keys.esimActive(userId), recommendationsKey(userId)];

/**
 * Buys a plan and activates its eSIM (migration 005's esim_activate): the
 * carrier's profile is ordered first, under the request's own reference, so
 * a retry gets the same one; payment and the eSIM then commit together.
 */
export const activate = async (claim: Claim, planId: string): Promise<Reply> => {
  const ordered = await provider().order(planId, `${claim.userId}:${claim.key}`);
  const settled = await movement<Held>(
    claim,
    (sql, c) => sql`select esim_activate(${c}, ${shardOf(claim.userId)}, ${planId}, ${sql.json(ordered)}) as outcome`,
    stale(claim.userId),
  );
  if (freshResult(settled)) count('Purchases', 1, { kind: 'esim' });
  return answer(settled, esimRefusals, toView);
};

/** More data and more days for the fan's eSIM (esim_top_up). */
export const topUp = async (claim: Claim, planId: string): Promise<Reply> => {
  const settled = await movement<Held>(
    claim,
    (sql, c) => sql`select esim_top_up(${c}, ${shardOf(claim.userId)}, ${planId}) as outcome`,
    stale(claim.userId),
  );
  if (freshResult(settled)) count('Purchases', 1, { kind: 'esim' });
  return answer(settled, esimRefusals, toView);
};

const loadHeld = async (userId: string): Promise<Held | null> => {
  const [row] = await db()<Held[]>`
    select to_jsonb(e) as esim, to_jsonb(p) as plan
    from esim_active e join esim_plans p on p.id = e.plan_id
    where e.user_id = ${userId}`;
  return row ?? null;
};

/** The fan's eSIM and its plan, cached; its status is worked out at each answer. */
const heldBy = (userId: string) => cached(keys.esimActive(userId), () => loadHeld(userId));

export const getActive = async (userId: string): Promise<EsimView> => {
  const held = await heldBy(userId);
  if (!held) throw noEsim();
  return toView(held);
};

/** What is left of the fan's data; NOT_ACTIVE when they have no eSIM. */
export const getUsage = async (userId: string): Promise<UsageView> => {
  const held = await heldBy(userId);
  if (!held) return { total_mb: 0, used_mb: 0, remaining_mb: 0, percent_used: 0, status: 'NOT_ACTIVE' };
  const { data_total: total, data_used: used } = held.esim;
  return {
    total_mb: total,
    used_mb: used,
    remaining_mb: total - used,
    percent_used: Math.round((used * 1000) / total) / 10,
    status: statusOf(held.esim),
  };
};
