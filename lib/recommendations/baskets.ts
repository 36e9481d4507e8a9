import type { Sql } from '../db';

/**
 * Every fan's basket, as a FROM item: one row (user_id, type, item, at) per
 * fan and item they bought and still hold, `at` their last purchase of it.
 * Products of orders neither refunded nor cancelled; events of tickets
 * valid or used (a resold ticket counts for its buyer, a refunded one for
 * nobody); eSIM plans paid from the wallet (ledger purchases naming the
 * plan, top-ups included) or active (eSIMs set up outside the wallet).
 */
export const baskets = (sql: Sql) => sql`(
  select user_id, type, item, max(at) as at
  from (
    select o.user_id, 'product' as type, line ->> 'product_id' as item, o.created_at as at
    from orders o cross join jsonb_array_elements(o.items) line
    where o.status not in ('refunded', 'cancelled')
    union all
    select user_id, 'event', event_id, created_at from tickets where status in ('valid', 'checked_in')
    union all
    select user_id, 'esim_plan', metadata ->> 'esim_plan', created_at from transactions where type = 'purchase' and metadata ? 'esim_plan'
    union all
    select user_id, 'esim_plan', plan_id, activated_at from esim_active
  ) purchase
  group by user_id, type, item)`;
