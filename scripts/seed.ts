/** Demo data for local runs: clubs, shop products, matches, eSIM plans, an admin and a steward per club. Safe to re-run. */
import type { TransactionSql } from 'postgres';
import { hashPassword } from '../lib/auth/passwords';
import type { Sql } from '../lib/db';

/**
 * Each club's demo staff: its admin, who runs its back office
 * (`admin.<club>@paiecashfan.test`, password "admin demo pass"), and its
 * steward, who checks tickets in at its gates (`steward.<club>@…`, "steward demo pass").
 */
const demoStaff = ['admin', 'steward'] as const;
export const staffEmail = (role: (typeof demoStaff)[number], club: string) => `${role}.${club.toLowerCase()}@paiecashfan.test`;
export const staffPassword = (role: (typeof demoStaff)[number]) => `${role} demo pass`;
export const stewardEmail = (club: string) => staffEmail('steward', club);

const clubs = [
  { id: 'AS_MONACO', name: 'AS Monaco FC', short_name: 'Monaco', city: 'Monaco', league: 'Ligue 1' },
  { id: 'PSG', name: 'Paris Saint-Germain', short_name: 'PSG', city: 'Paris', league: 'Ligue 1' },
  { id: 'OM', name: 'Olympique de Marseille', short_name: 'OM', city: 'Marseille', league: 'Ligue 1' },
  { id: 'OL', name: 'Olympique Lyonnais', short_name: 'OL', city: 'Lyon', league: 'Ligue 1' },
  { id: 'LOSC', name: 'LOSC Lille', short_name: 'Lille', city: 'Lille', league: 'Ligue 1' },
  { id: 'OGC_NICE', name: 'OGC Nice', short_name: 'Nice', city: 'Nice', league: 'Ligue 1' },
];

const products = [
  { id: 'asm-home-2026', name: 'Maillot Domicile 2026/27', club: 'AS_MONACO', category: 'jerseys', price: 8999, old_price: 9999, discount: 10, stock: 120, nft: false },
  { id: 'asm-away-2026', name: 'Maillot Extérieur 2026/27', club: 'AS_MONACO', category: 'jerseys', price: 8999, old_price: null, discount: 0, stock: 80, nft: false },
  { id: 'asm-scarf', name: 'Écharpe Daghe Munegu', club: 'AS_MONACO', category: 'accessories', price: 2499, old_price: null, discount: 0, stock: 300, nft: false },
  { id: 'asm-ben-yedder-nft', name: 'Carte collector Ben Seghir', club: 'AS_MONACO', category: 'collectibles', price: 1999, old_price: null, discount: 0, stock: 500, nft: true },
  { id: 'psg-home-2026', name: 'Maillot Domicile 2026/27', club: 'PSG', category: 'jerseys', price: 9499, old_price: null, discount: 0, stock: 200, nft: false },
  { id: 'psg-cap', name: 'Casquette Paris', club: 'PSG', category: 'accessories', price: 2999, old_price: 3499, discount: 14, stock: 150, nft: false },
  { id: 'om-home-2026', name: 'Maillot Domicile 2026/27', club: 'OM', category: 'jerseys', price: 8999, old_price: null, discount: 0, stock: 160, nft: false },
  { id: 'om-velodrome-nft', name: 'Collector Vélodrome', club: 'OM', category: 'collectibles', price: 1499, old_price: null, discount: 0, stock: 1000, nft: true },
  { id: 'asm-home-2026-ben-seghir', name: 'Maillot Domicile 2026/27 Ben Seghir 7', club: 'AS_MONACO', category: 'jerseys', price: 10499, old_price: null, discount: 0, stock: 60, nft: false },
  { id: 'psg-home-2026-dembele', name: 'Maillot Domicile 2026/27 Dembélé 10', club: 'PSG', category: 'jerseys', price: 10999, old_price: null, discount: 0, stock: 90, nft: false },
];

/** The player each of these products is about (a flocked jersey, a collector card). */
const productPlayers = [
  { id: 'asm-ben-yedder-nft', player: 'Eliesse Ben Seghir' },
  { id: 'asm-home-2026-ben-seghir', player: 'Eliesse Ben Seghir' },
  { id: 'psg-home-2026-dembele', player: 'Ousmane Dembélé' },
];

/** A match `days` after the day the data is loaded, kicking off at `kickoff` ("HH:MM", UTC), with its seat categories. */
export type DemoMatch = {
  id: string;
  days: number;
  kickoff: string;
  title: string;
  club: string;
  venue: string;
  competition: string;
  country?: string;
  hot: boolean;
  vip: boolean;
  categories: { category: string; price: number; capacity: number }[];
};

/**
 * The demo matches. The first is always ahead (20 hours at least, whatever
 * the hour of loading), so the README's tour can buy a ticket for it on any
 * day. Their ids carry no date, which would lie.
 */
const events: DemoMatch[] = [
  { id: 'asm-psg', days: 1, kickoff: '20:00', title: 'AS Monaco vs Paris Saint-Germain', club: 'AS_MONACO', venue: 'Stade Louis-II', competition: 'Ligue 1', hot: true, vip: true,
    categories: [{ category: 'tribune_nord', price: 3500, capacity: 2000 }, { category: 'tribune_honneur', price: 9000, capacity: 600 }, { category: 'vip', price: 25000, capacity: 80 }] },
  { id: 'psg-ol', days: 9, kickoff: '20:45', title: 'Paris Saint-Germain vs Olympique Lyonnais', club: 'PSG', venue: 'Parc des Princes', competition: 'Ligue 1', hot: false, vip: true,
    categories: [{ category: 'virage_auteuil', price: 4500, capacity: 4000 }, { category: 'loge', price: 30000, capacity: 120 }] },
  { id: 'om-losc', days: 16, kickoff: '21:00', title: 'Olympique de Marseille vs LOSC Lille', club: 'OM', venue: 'Orange Vélodrome', competition: 'Ligue 1', hot: false, vip: false,
    categories: [{ category: 'virage_sud', price: 2500, capacity: 5000 }, { category: 'jean_bouin', price: 6500, capacity: 1500 }] },
  { id: 'asm-om', days: 44, kickoff: '16:00', title: 'AS Monaco vs Olympique de Marseille', club: 'AS_MONACO', venue: 'Stade Louis-II', competition: 'Ligue 1', hot: true, vip: false,
    categories: [{ category: 'tribune_nord', price: 3000, capacity: 2000 }, { category: 'tribune_honneur', price: 8000, capacity: 600 }] },
  // Away matches abroad, listed for the visiting club's fans: those who go need data there.
  { id: 'ars-asm', days: 82, kickoff: '20:00', title: 'Arsenal vs AS Monaco', club: 'AS_MONACO', venue: 'Emirates Stadium', competition: 'Champions League', country: 'GB', hot: true, vip: false,
    categories: [{ category: 'parcage_visiteurs', price: 6500, capacity: 300 }] },
  { id: 'rma-psg', days: 96, kickoff: '20:00', title: 'Real Madrid vs Paris Saint-Germain', club: 'PSG', venue: 'Santiago Bernabéu', competition: 'Champions League', country: 'ES', hot: true, vip: false,
    categories: [{ category: 'grada_visitante', price: 7500, capacity: 400 }] },
];

/** The kick-off `days` after today (UTC) at `kickoff`, "HH:MM". */
export const matchDate = (days: number, kickoff: string, today = new Date()): Date => {
  const [hours, minutes] = kickoff.split(':').map(Number) as [number, number];
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days, hours, minutes));
};

/**
 * Puts `matches` on sale at their dates from `today`. One already played (a
 * dev database kept for months, reseeded by `npm run dev`) is put ahead
 * again; one still to come keeps its date and its seats as sold.
 */
export const scheduleMatches = async (sql: TransactionSql, matches: DemoMatch[], today = new Date()): Promise<void> => {
  for (const { categories, days, kickoff, ...match } of matches) {
    const priceFrom = Math.min(...categories.map((c) => c.price));
    await sql`
      insert into events ${sql({ ...match, date: matchDate(days, kickoff, today), price_from: priceFrom })}
      on conflict (id) do update set date = excluded.date where events.date <= now()`;
    await sql`
      insert into event_categories ${sql(categories.map((c) => ({ ...c, event_id: match.id, available: c.capacity })))}
      on conflict do nothing`;
  }
};

const esimPlans = [
  { id: 'eu-5gb-7d', name: 'Europe 5 GB', region: 'Europe', data: '5GB', data_mb: 5120, duration: 7, countries: ['FR', 'MC', 'IT', 'ES', 'DE', 'PT', 'BE', 'NL'], price: 999, popular: true },
  { id: 'eu-20gb-30d', name: 'Europe 20 GB', region: 'Europe', data: '20GB', data_mb: 20480, duration: 30, countries: ['FR', 'MC', 'IT', 'ES', 'DE', 'PT', 'BE', 'NL'], price: 2499, popular: false },
  { id: 'uk-10gb-15d', name: 'United Kingdom 10 GB', region: 'United Kingdom', data: '10GB', data_mb: 10240, duration: 15, countries: ['GB'], price: 1499, popular: false },
  { id: 'world-3gb-7d', name: 'World 3 GB', region: 'World', data: '3GB', data_mb: 3072, duration: 7, countries: ['US', 'CA', 'BR', 'AR', 'MA', 'QA', 'SA', 'JP'], price: 1999, popular: false },
];

/** Demo fans who post to their club's feed and like each other's posts. */
export const DEMO_FAN_PASSWORD = 'fan demo pass';
export const demoFanEmail = (handle: string) => `${handle}.demo@paiecashfan.test`;
const demoFans: Record<string, { name: string; club_id: string }> = {
  lucas: { name: 'Lucas', club_id: 'AS_MONACO' },
  chloe: { name: 'Chloé', club_id: 'AS_MONACO' },
  hugo: { name: 'Hugo', club_id: 'AS_MONACO' },
  ines: { name: 'Inès', club_id: 'PSG' },
  karim: { name: 'Karim', club_id: 'PSG' },
  manon: { name: 'Manon', club_id: 'AS_MONACO' },
  theo: { name: 'Théo', club_id: 'AS_MONACO' },
  lea: { name: 'Léa', club_id: 'AS_MONACO' },
  nathan: { name: 'Nathan', club_id: 'AS_MONACO' },
  camille: { name: 'Camille', club_id: 'AS_MONACO' },
  jade: { name: 'Jade', club_id: 'AS_MONACO' },
  sarah: { name: 'Sarah', club_id: 'PSG' },
  yanis: { name: 'Yanis', club_id: 'PSG' },
  emma: { name: 'Emma', club_id: 'PSG' },
};

/**
 * What the demo fans bought, `days` ago, for recommendations to learn from:
 * one order of `products`, a ticket (cheapest category) per event, and an
 * eSIM used up on an earlier trip. Order and ticket ids follow from each
 * fan's place in this list, so that seeding again adds nothing: append only.
 */
const demoPurchases: { by: string; days: number; products: string[]; events: string[]; esim?: string }[] = [
  { by: 'lucas', days: 20, products: ['asm-home-2026', 'asm-scarf'], events: ['asm-psg'] },
  { by: 'chloe', days: 15, products: ['asm-home-2026'], events: ['asm-psg', 'ars-asm'], esim: 'uk-10gb-15d' },
  { by: 'hugo', days: 30, products: ['asm-scarf'], events: ['asm-om'] },
  { by: 'manon', days: 12, products: ['asm-home-2026', 'asm-scarf'], events: ['asm-psg'] },
  { by: 'theo', days: 9, products: ['asm-home-2026'], events: ['asm-psg', 'ars-asm'], esim: 'uk-10gb-15d' },
  { by: 'lea', days: 25, products: ['asm-away-2026', 'asm-scarf'], events: [] },
  { by: 'nathan', days: 7, products: ['asm-ben-yedder-nft', 'asm-home-2026-ben-seghir'], events: [] },
  { by: 'camille', days: 40, products: ['asm-home-2026', 'asm-home-2026-ben-seghir'], events: ['asm-om'] },
  { by: 'jade', days: 5, products: ['asm-home-2026'], events: ['ars-asm'], esim: 'uk-10gb-15d' },
  { by: 'ines', days: 18, products: ['psg-home-2026', 'psg-cap'], events: ['psg-ol'] },
  { by: 'karim', days: 10, products: ['psg-home-2026'], events: ['rma-psg'], esim: 'eu-5gb-7d' },
  { by: 'sarah', days: 22, products: ['psg-home-2026', 'psg-home-2026-dembele'], events: [] },
  { by: 'yanis', days: 14, products: ['psg-cap'], events: ['psg-ol'] },
  { by: 'emma', days: 6, products: ['psg-home-2026'], events: ['rma-psg'], esim: 'eu-5gb-7d' },
];
const demoId = (kind: number, n: number) => `5eed000${kind}-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Fixed ids, so that seeding again adds nothing; ages count from the first seeding. */
const demoPosts = [
  { id: '5eed0000-0000-4000-8000-000000000001', by: 'lucas', hours: 2, text: 'Qui vient au Louis-II pour PSG ? On se retrouve tribune nord 🔴⚪', likers: ['chloe', 'hugo'] },
  { id: '5eed0000-0000-4000-8000-000000000002', by: 'chloe', hours: 9, text: "Le nouveau maillot domicile est magnifique, je l'ai pris en taille M.", likers: ['lucas'] },
  { id: '5eed0000-0000-4000-8000-000000000003', by: 'hugo', hours: 30, text: 'Quelle remontée samedi, Daghe Munegu !', likers: ['lucas', 'chloe'] },
  { id: '5eed0000-0000-4000-8000-000000000004', by: 'ines', hours: 4, text: 'Virage Auteuil contre Lyon, qui est partant ?', likers: ['karim'] },
  { id: '5eed0000-0000-4000-8000-000000000005', by: 'karim', hours: 20, text: 'Ici c’est Paris ❤️💙', likers: [] },
];

/** Each club's demo staff member in `role`, unless there already. */
const addStaff = async (t: TransactionSql, role: (typeof demoStaff)[number]) => {
  const existing = new Set((await t<{ email: string }[]>`select email from users where email = any(${clubs.map((c) => staffEmail(role, c.id))})`).map((u) => u.email));
  const missing = clubs.filter((c) => !existing.has(staffEmail(role, c.id)));
  if (missing.length === 0) return;
  const password = await hashPassword(staffPassword(role));
  for (const club of missing) {
    const [member] = await t<{ id: string }[]>`
      insert into users (email, password, name, club_id)
      values (${staffEmail(role, club.id)}, ${password}, ${`${role === 'admin' ? 'Admin' : 'Steward'} ${club.short_name}`}, ${club.id})
      returning id`;
    await t`insert into wallets (user_id) values (${member!.id})`;
    await t`insert into club_roles (user_id, club_id, role) values (${member!.id}, ${club.id}, ${role})`;
  }
};

export const seed = async (sql: Sql): Promise<void> => {
  await sql.begin(async (t) => {
    await t`insert into clubs ${t(clubs)} on conflict (id) do nothing`;
    await t`insert into products ${t(products)} on conflict (id) do nothing`;
    await t`
      update products p set player = v.player from jsonb_to_recordset(${t.json(productPlayers)}) as v(id text, player text)
      where p.id = v.id and p.player is null`;
    await t`insert into esim_plans ${t(esimPlans)} on conflict (id) do nothing`;
    await scheduleMatches(t, events);
    for (const role of demoStaff) await addStaff(t, role);
    const emails = Object.keys(demoFans).map(demoFanEmail);
    const [{ missing }] = (await t`select count(*)::int as missing from unnest(${emails}::text[]) e where e not in (select email from users)`) as unknown as [{ missing: number }];
    if (missing > 0) {
      const fanPassword = await hashPassword(DEMO_FAN_PASSWORD);
      const rows = Object.entries(demoFans).map(([handle, fan]) => ({ ...fan, email: demoFanEmail(handle), password: fanPassword }));
      await t`insert into users ${t(rows)} on conflict (email) do nothing`;
      await t`insert into wallets (user_id) select id from users where email = any(${emails}) on conflict (user_id) do nothing`;
    }
    const fanIds = new Map((await t<{ email: string; id: string }[]>`select email, id from users where email = any(${emails})`).map((u) => [u.email, u.id]));
    const idOf = (handle: string) => fanIds.get(demoFanEmail(handle))!;
    const added = await t<{ id: string }[]>`
      insert into posts ${t(demoPosts.map((p) => ({
        id: p.id, user_id: idOf(p.by), club_id: demoFans[p.by]!.club_id, text: p.text, like_count: p.likers.length, created_at: new Date(Date.now() - p.hours * 3_600_000),
      })))}
      on conflict (id) do nothing
      returning id`;
    // Likes only with the posts that come with them: a like taken back since is not added again behind its count.
    const likes = demoPosts
      .filter((p) => added.some((a) => a.id === p.id))
      .flatMap((p) => p.likers.map((liker) => ({ post_id: p.id, user_id: idOf(liker) })));
    if (likes.length > 0) await t`insert into post_likes ${t(likes)}`;

    // Demo history: outside the wallet (no ledger entries), as if bought before it existed.
    const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    const orders = demoPurchases.map((p, i) => ({ id: demoId(1, i + 1), user_id: idOf(p.by), products: p.products, created_at: at(p.days) }));
    await t`
      insert into orders (id, user_id, items, total, status, created_at)
      select o.id, o.user_id, jsonb_agg(jsonb_build_object('product_id', pr.id, 'name', pr.name, 'unit_price', pr.price, 'quantity', 1) order by pr.id),
             sum(pr.price), 'paid', o.created_at
      from jsonb_to_recordset(${t.json(orders)}) as o(id uuid, user_id uuid, products text[], created_at timestamptz)
      join products pr on pr.id = any(o.products)
      group by o.id, o.user_id, o.created_at
      on conflict (id) do nothing`;
    const tickets = demoPurchases.flatMap((p, i) =>
      p.events.map((event_id, j) => ({ id: demoId(2, (i + 1) * 10 + j), user_id: idOf(p.by), event_id, created_at: at(p.days) })),
    );
    await t`
      with added as (
        insert into tickets (id, user_id, event_id, category, price, created_at)
        select tk.id, tk.user_id, tk.event_id, c.category, c.price, tk.created_at
        from jsonb_to_recordset(${t.json(tickets)}) as tk(id uuid, user_id uuid, event_id text, created_at timestamptz)
        cross join lateral (select category, price from event_categories where event_id = tk.event_id order by price, category limit 1) c
        on conflict (id) do nothing
        returning event_id, category)
      select seats_take(a.event_id, a.category, a.n)
      from (select event_id, category, count(*)::int as n from added group by event_id, category) a`;
    const esims = demoPurchases.filter((p) => p.esim).map((p) => ({ user_id: idOf(p.by), plan_id: p.esim, activated_at: at(p.days + 30) }));
    await t`
      insert into esim_active (user_id, plan_id, activated_at, expires_at, data_total, data_used, qr_code)
      select e.user_id, pl.id, e.activated_at, e.activated_at + make_interval(days => pl.duration), pl.data_mb, pl.data_mb, 'demo'
      from jsonb_to_recordset(${t.json(esims)}) as e(user_id uuid, plan_id text, activated_at timestamptz)
      join esim_plans pl on pl.id = e.plan_id
      on conflict (user_id) do nothing`;
  });
};
