import { cached, keys } from '../cache';
import { db } from '../db';
import { display } from '../money';
import type { PlanView, PlansFilter } from './schemas';

export type PlanRow = { id: string; name: string; region: string; data_mb: number; data: string; duration: number; countries: string[]; price: number; currency: string; popular: boolean };

export const toPlanView = ({ duration, ...row }: PlanRow): PlanView => ({
  id: row.id,
  name: row.name,
  region: row.region,
  data_mb: row.data_mb,
  data: row.data,
  duration_days: duration,
  countries: row.countries,
  price: row.price,
  currency: row.currency,
  display: display(row.price),
  popular: row.popular,
});

/** Every plan, cached whole (a handful of rows); the filters apply to the cached list. */
export const listPlans = async (filter: PlansFilter): Promise<{ items: PlanView[] }> => {
  const plans = await cached(keys.esimPlans(), () =>
    db()<PlanRow[]>`select id, name, region, data_mb, data, duration, countries, price, currency, popular from esim_plans order by price, id`,
  );
  const region = filter.region?.toLowerCase();
  return {
    items: plans
      .filter((p) => (region === undefined || p.region.toLowerCase() === region) && (filter.country === undefined || p.countries.includes(filter.country)))
      .map(toPlanView),
  };
};
