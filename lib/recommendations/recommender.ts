import { cached } from '../cache';
import { db, pgCode } from '../db';
import { accountGone } from '../http/problem';
import { baskets } from './baskets';
import { recommendationsKey } from './keys';
import { RECOMMENDATIONS_MAX, type ItemKind, type RecommendationView } from './schemas';

/**
 * Pseudo-count of the shrinkage: P(Y|X) is estimated as
 * (n_XY + SHRINK·P(Y)) / (n_X + SHRINK), as if SHRINK more buyers of X had
 * bought Y at its base rate. With few buyers of X the estimate stays near
 * P(Y), so its lift stays near 1 (one fan who bought X and Y is no
 * evidence); with many it tends to the observed share. A Wilson lower bound
 * would shrink too, but toward 0, which penalises popular items for being
 * rare with X and has no base rate to read the lift against.
 */
export const SHRINK = 5;
/** A purchase's weight as evidence halves every 90 days: last week's jersey says more of a fan than last season's. */
export const HALF_LIFE_DAYS = 90;
/** An item of the fan's own club weighs this much more: fans buy their club's far more than another's. */
export const CLUB_BOOST = 1.5;
/** An item the fan called useful weighs this much more, in every list after. */
export const USEFUL_BOOST = 1.5;
/** The away-match rule's confidence: near certain, yet the fan may have roaming or a local SIM. */
export const RULE_CONFIDENCE = 0.95;

/** Why an item is recommended: the figures the confidence and the sentence are both made from. */
export type Reason =
  | {
      basis: 'away-match';
      event: { id: string; title: string; date: string };
      country: string;
    }
  | {
      basis: 'co-occurrence';
      /** The fan's purchase X that speaks most for the item Y. */
      because: { type: ItemKind; item: string; title: string };
      /** n_X, n_XY, all fans who bought anything (N) and n_Y. */
      fans_with: number;
      fans_with_both: number;
      fans: number;
      buyers: number;
      lift: number;
      recency: number;
      club_boost: number;
      useful_boost: number;
      score: number;
    }
  | {
      basis: 'popular';
      /** The fan's club, whose fans are the peers; null for a fan without one (then all fans are). */
      club: { id: string; name: string } | null;
      /** Peers who bought anything, those who bought the item, and its share of all fans who bought anything (what the shrinkage pulls toward). */
      fans: number;
      buyers: number;
      base_rate: number;
      useful_boost: number;
      score: number;
    };

type Proposed = { type: ItemKind; item: string; title: string; tags: string[]; confidence: number; reason: Reason };

const percent = (share: number) => `${Math.round(share * 100)} %`;
const countryName = (code: string) => new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;

/** The one-line reason, from the reason's own figures. */
export const explain = (reason: Reason): string => {
  switch (reason.basis) {
    case 'away-match':
      return `You have a ticket for ${reason.event.title} in ${countryName(reason.country)}: this plan covers it`;
    case 'co-occurrence':
      return `Bought by ${percent(reason.fans_with_both / reason.fans_with)} of fans who bought ${reason.because.title} (${reason.fans_with_both} of ${reason.fans_with})`;
    case 'popular':
      return `Popular with ${reason.club ? `${reason.club.name} fans` : 'fans'}: ${reason.buyers} of ${reason.fans} bought it`;
  }
};

/**
 * What the fan may want next, best first, from three sources in this order:
 *
 * 1. Away matches: a ticket for an upcoming match abroad (not in FR) that
 *    the fan's eSIM does not cover on the day → the cheapest plan covering
 *    its country (fewest countries on a tie), even one bought before.
 * 2. Co-occurrence over all fans' baskets: for each item Y the fan has not
 *    bought and each X they have, n_XY fans bought both; Y is proposed when
 *    X makes it likelier (lift P(Y|X)/P(Y) > 1), with the confidence
 *    P(Y|X) shrunk as SHRINK says, and the best X speaks for it. Ranked by
 *    confidence × recency of X × CLUB_BOOST for the fan's club's items ×
 *    USEFUL_BOOST when the fan called Y useful. The lift only gates:
 *    ranked by it, an item bought once, with X, would beat one half of X's
 *    buyers bought; the shrunk P(Y|X) is the lift times the base rate.
 * 3. Popular with the fan's peers (their club's fans, or all fans without a
 *    club): the items most of them bought, the confidence P(Y|club) shrunk
 *    the same way; all a fan without purchases gets (cold start), and what
 *    fills the list after the others.
 *
 * Never an item the fan dismissed, a product out of stock, a past or sold
 * out match; never one they bought, but for the plan of rule 1 (a plan is
 * bought again for another trip). Ties go by type and id, so that the same
 * data gives the same list.
 */
const propose = async (userId: string): Promise<Proposed[]> => {
  const sql = db();
  return sql<Proposed[]>`
    with bought as materialized ${baskets(sql)},
    fan as (select u.id, u.club_id, c.name as club_name from users u left join clubs c on c.id = u.club_id where u.id = ${userId}),
    mine as (select type, item, at from bought where user_id = ${userId}),
    fans as (select count(distinct user_id)::float8 as n from bought),
    buyers as (select type, item, count(*)::float8 as n from bought group by type, item),
    said as (select type, item, feedback from ai_feedback where user_id = ${userId}),
    catalog as (
      select 'product' as type, id as item, name as title, club, stock > 0 as open,
             jsonb_build_array(club, category) || case when player is null then '[]' else jsonb_build_array(player) end as tags
      from products
      union all
      select 'event', e.id, e.title, e.club,
             e.date > now() and exists (select 1 from seat_shards s where s.event_id = e.id and s.available > 0),
             jsonb_build_array(e.club, e.competition, e.country)
      from events e
      union all
      select 'esim_plan', id, name, null, true, jsonb_build_array(region) from esim_plans
    ),
    away as (
      select distinct on (plan.id) plan.id as item, e.id as event_id, e.title, e.date, e.country
      from tickets t
      join events e on e.id = t.event_id
      cross join lateral (
        select p.id from esim_plans p
        where e.country = any(p.countries)
          and not exists (select 1 from said s where s.type = 'esim_plan' and s.item = p.id and s.feedback = 'not_interested')
        order by p.price, cardinality(p.countries), p.id
        limit 1) plan
      where t.user_id = ${userId} and t.status = 'valid' and e.date > now() and e.country <> 'FR'
        and not exists (
          select 1 from esim_active a join esim_plans ap on ap.id = a.plan_id
          where a.user_id = t.user_id and a.expires_at > e.date and a.data_used < a.data_total and e.country = any(ap.countries))
      order by plan.id, e.date, e.id
    ),
    pairs as (
      select x.type as x_type, x.item as x_item, x.at as x_at, y.type, y.item, count(*)::float8 as n_xy
      from mine x
      join bought bx on bx.type = x.type and bx.item = x.item
      join bought y on y.user_id = bx.user_id
      where not exists (select 1 from mine m where m.type = y.type and m.item = y.item)
      group by x.type, x.item, x.at, y.type, y.item
    ),
    weighed as (
      select p.*, nx.n as n_x, ny.n as n_y, fans.n as n_all,
             (p.n_xy + ${SHRINK} * ny.n / fans.n) / (nx.n + ${SHRINK}) as confidence,
             power(0.5, extract(epoch from now() - p.x_at)::float8 / ${HALF_LIFE_DAYS * 86_400}) as recency
      from pairs p
      join buyers nx on nx.type = p.x_type and nx.item = p.x_item
      join buyers ny on ny.type = p.type and ny.item = p.item
      cross join fans
      where p.n_xy / nx.n > ny.n / fans.n
    ),
    related as (
      select distinct on (w.type, w.item) w.*, x.title as x_title
      from weighed w join catalog x on x.type = w.x_type and x.item = w.x_item
      order by w.type, w.item, w.confidence * w.recency desc, w.x_type, w.x_item
    ),
    peers as (
      select b.* from bought b join users u on u.id = b.user_id cross join fan
      where fan.club_id is null or u.club_id = fan.club_id
    ),
    popular as (
      select type, item, count(*)::float8 as n, (select count(distinct user_id) from peers)::float8 as n_peers
      from peers
      where not exists (select 1 from mine m where m.type = peers.type and m.item = peers.item)
      group by type, item
    ),
    proposed as (
      select 1 as tier, 'esim_plan' as type, item, ${RULE_CONFIDENCE}::float8 as confidence, ${RULE_CONFIDENCE}::float8 as weight, 1::float8 as club_boost,
             jsonb_build_object('basis', 'away-match', 'event', jsonb_build_object('id', event_id, 'title', title, 'date', date), 'country', country) as reason
      from away
      union all
      select 2, r.type, r.item, r.confidence, r.confidence * r.recency, case when c.club = fan.club_id then ${CLUB_BOOST}::float8 else 1 end,
             jsonb_build_object('basis', 'co-occurrence', 'because', jsonb_build_object('type', r.x_type, 'item', r.x_item, 'title', r.x_title),
                                'fans_with', r.n_x, 'fans_with_both', r.n_xy, 'fans', r.n_all, 'buyers', r.n_y,
                                'lift', r.confidence / (r.n_y / r.n_all), 'recency', r.recency)
      from related r join catalog c on c.type = r.type and c.item = r.item cross join fan
      union all
      select 3, p.type, p.item, s.confidence, s.confidence, 1,
             jsonb_build_object('basis', 'popular', 'club', case when fan.club_id is null then null else jsonb_build_object('id', fan.club_id, 'name', fan.club_name) end,
                                'fans', p.n_peers, 'buyers', p.n, 'base_rate', ny.n / fans.n)
      from popular p
      join buyers ny on ny.type = p.type and ny.item = p.item
      cross join fans cross join fan
      cross join lateral (select (p.n + ${SHRINK} * ny.n / fans.n) / (p.n_peers + ${SHRINK}) as confidence) s
    ),
    chosen as (
      select distinct on (p.type, p.item) p.*, c.title, c.tags,
             case when s.feedback = 'useful' then ${USEFUL_BOOST}::float8 else 1 end as useful_boost
      from proposed p
      join catalog c on c.type = p.type and c.item = p.item
      left join said s on s.type = p.type and s.item = p.item
      where c.open and s.feedback is distinct from 'not_interested'
      order by p.type, p.item, p.tier
    )
    select type, item, title, tags, round(confidence::numeric, 3)::float8 as confidence,
           case when tier = 1 then reason
                else reason || jsonb_build_object('club_boost', club_boost, 'useful_boost', useful_boost, 'score', weight * club_boost * useful_boost) end as reason
    from chosen
    order by tier, weight * club_boost * useful_boost desc, type, item
    limit ${RECOMMENDATIONS_MAX}`;
};

/**
 * Stores the fan's recommendations in place of their previous ones, in one
 * statement: an item recommended again keeps its row and id, so that
 * feedback on a list the fan read before a recomputation still finds it.
 */
const store = async (userId: string, proposed: Proposed[]): Promise<RecommendationView[]> => {
  const sql = db();
  const rows = proposed.map((p) => ({ ...p, content: explain(p.reason) }));
  let stored: { id: string; type: ItemKind; item: string }[];
  try {
    stored = await sql<{ id: string; type: ItemKind; item: string }[]>`
      with fresh as (
        select * from jsonb_to_recordset(${sql.json(rows)})
          as f(type text, item text, title text, content text, tags jsonb, confidence numeric, reason jsonb)
      ),
      gone as (
        delete from ai_recommendations a
        where a.user_id = ${userId} and not exists (select 1 from fresh f where f.type = a.type and f.item = a.item)
      )
      insert into ai_recommendations (user_id, type, item, title, content, tags, confidence, reason)
      select ${userId}, type, item, title, content, tags, confidence, reason from fresh
      on conflict (user_id, type, item) where item <> '' do update
        set title = excluded.title, content = excluded.content, tags = excluded.tags, confidence = excluded.confidence,
            reason = excluded.reason, created_at = now()
      returning id, type, item`;
  } catch (error) {
    if (pgCode(error) === '23503') throw accountGone();
    throw error;
  }
  const idOf = new Map(stored.map((s) => [`${s.type}:${s.item}`, s.id]));
  return rows.map(({ type, item, title, content, tags, confidence }) => ({ id: idOf.get(`${type}:${item}`)!, type, item, title, content, tags, confidence }));
};

/** The fan's recommendations, best first: worked out and stored on a miss, cached 5 minutes. */
export const recommendationsFor = async (userId: string, limit: number): Promise<RecommendationView[]> => {
  const all = await cached(recommendationsKey(userId), async () => store(userId, await propose(userId)));
  return all.slice(0, limit);
};
