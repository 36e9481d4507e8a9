import * as z from 'zod/mini';
import { schema } from '../http/schemas';
import { Recommendation } from '../recommendations/schemas';

/** Whether a match's seats go before it is played, at the pace they are selling. */
export const OUTLOOKS = ['sold_out', 'sells_out', 'wont_sell_out'] as const;

/** A sell-out forecast and the figures it used, for one seat category or a whole match. */
export const Forecast = /* @__PURE__ */ schema(() =>
  z.object({
    capacity: z.number(),
    sold: z.number(),
    seats_left: z.number(),
    window_hours: z.number(),
    sold_in_window: z.number(),
    per_hour: z.number(),
    hours_to_sell_out: z.nullable(z.number()),
    sells_out_at: z.nullable(z.string()),
    outlook: z.enum(OUTLOOKS),
    reason: z.string(),
  }),
);

export const MatchForecast = /* @__PURE__ */ schema(() =>
  z.object({
    event_id: z.string(),
    title: z.string(),
    date: z.string(),
    venue: z.string(),
    competition: z.string(),
    total: Forecast,
    categories: z.array(z.extend(Forecast, { category: z.string() })),
  }),
);

export const Predictions = /* @__PURE__ */ schema(() =>
  z.object({
    club_id: z.nullable(z.string()),
    events: z.array(MatchForecast),
    /** The fan's top recommendation: what they are likeliest to buy next, and why. */
    likely_next_purchase: z.nullable(Recommendation),
    generated_at: z.string(),
  }),
);

export const FavoriteTeam = /* @__PURE__ */ schema(() =>
  z.object({
    club_id: z.string(),
    name: z.string(),
    reason: z.string(),
    figures: z.object({
      club_weight: z.number(),
      clubs: z.array(z.object({ club_id: z.string(), name: z.string(), chosen: z.boolean(), tickets: z.number(), score: z.number() })),
    }),
  }),
);

export const FavoritePlayer = /* @__PURE__ */ schema(() =>
  z.object({ name: z.string(), purchases: z.number(), items_with_player: z.number(), reason: z.string() }),
);

export const ShoppingStyle = /* @__PURE__ */ schema(() =>
  z.object({
    category_shares: z.record(z.string(), z.number()),
    average_basket_cents: z.number(),
    average_basket: z.string(),
    discount_share: z.number(),
    spend_per_month_cents: z.number(),
    spend_per_month: z.string(),
    spent_cents: z.number(),
    months: z.number(),
    orders: z.number(),
    tickets: z.number(),
    items: z.number(),
    items_on_discount: z.number(),
    reason: z.string(),
  }),
);

export const Insights = /* @__PURE__ */ schema(() =>
  z.object({
    favorite_team: z.nullable(FavoriteTeam),
    favorite_player: z.nullable(FavoritePlayer),
    shopping_style: ShoppingStyle,
    predictions: z.array(MatchForecast),
    updated_at: z.string(),
  }),
);

export const Stats = /* @__PURE__ */ schema(() =>
  z.object({
    fans: z.number(),
    clubs: z.number(),
    tickets_sold: z.number(),
    orders: z.number(),
    esims: z.number(),
    volume_moved_cents: z.number(),
    volume_moved: z.string(),
    currency: z.string(),
    updated_at: z.string(),
  }),
);

export type ForecastView = z.infer<typeof Forecast>;
export type MatchForecastView = z.infer<typeof MatchForecast>;
export type PredictionsView = z.infer<typeof Predictions>;
export type FavoriteTeamView = z.infer<typeof FavoriteTeam>;
export type FavoritePlayerView = z.infer<typeof FavoritePlayer>;
export type ShoppingStyleView = z.infer<typeof ShoppingStyle>;
export type InsightsView = z.infer<typeof Insights>;
export type StatsView = z.infer<typeof Stats>;
