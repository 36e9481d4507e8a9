import { cached, keys } from '../cache';
import { db } from '../db';
import { display } from '../money';
import { iso } from '../wallet/movement';
import type { StatsView } from './schemas';

type StatsRow = Omit<StatsView, 'volume_moved' | 'currency' | 'updated_at'> & { updated_at: Date };

/**
 * The platform's figures. Fans are the accounts that are not staff (a
 * club's stewards are users too, but they scan tickets rather than support);
 * the platform's own accounts are wallets, never users. Tickets sold and
 * orders are those that stand (not refunded or cancelled); eSIMs are the
 * fans' eSIMs (one each; a new one replaces an expired one). The volume
 * moved is what changed hands on the ledger, the sum of its credits, without
 * deposits: a deposit only loads a wallet from a card, and its euros count
 * when they are spent or sent.
 */
const loadStats = async (): Promise<StatsView> => {
  const [row] = await db()<StatsRow[]>`
    select
      (select count(*)::int from users u where not exists (select 1 from club_roles r where r.user_id = u.id)) as fans,
      (select count(*)::int from clubs) as clubs,
      (select count(*)::int from tickets where status in ('valid', 'checked_in')) as tickets_sold,
      (select count(*)::int from orders where status in ('paid', 'shipped', 'delivered')) as orders,
      (select count(*)::int from esim_active) as esims,
      (select coalesce(sum(amount), 0)::bigint from transactions where amount > 0 and type <> 'deposit') as volume_moved_cents,
      now() as updated_at`;
  const { updated_at, ...figures } = row!;
  return { ...figures, volume_moved: display(figures.volume_moved_cents), currency: 'EUR', updated_at: iso(updated_at) };
};

/** Global figures, cached a minute: purchases do not clear them, so each shows within that minute. */
export const stats = (): Promise<StatsView> => cached(keys.statsGlobal(), loadStats);
