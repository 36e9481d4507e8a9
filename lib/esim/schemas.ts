import * as z from 'zod/mini';
import { schema } from '../http/schemas';

const PlanId = /* @__PURE__ */ schema(() => z.string().check(z.regex(/^[a-z0-9-]{1,64}$/, { error: 'Must be a plan id such as eu-5gb-7d' })));

export const PlansQuery = /* @__PURE__ */ schema(() =>
  z.strictObject({
    region: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(60))),
    country: z.optional(z.string().check(z.trim(), z.toUpperCase(), z.regex(/^[A-Z]{2}$/, { error: 'Must be an ISO 3166 country code such as GB' }))),
  }),
);
export const PlanBody = /* @__PURE__ */ schema(() => z.strictObject({ plan_id: PlanId }));

/** The carrier's usage report: cumulative megabytes used as of `at`. */
export const UsageReport = /* @__PURE__ */ schema(() =>
  z.strictObject({
    iccid: z.string().check(z.regex(/^\d{18,22}$/, { error: 'Must be an ICCID' })),
    used_mb: z.number().check(z.int(), z.minimum(0), z.maximum(10_000_000)),
    at: z.iso.datetime({ offset: true }).check(
      z.refine((at) => Date.parse(at) >= Date.UTC(2000, 0, 1) && Date.parse(at) <= Date.now() + 86_400_000, {
        error: 'Must be a time since 2000 and not past tomorrow',
      }),
    ),
  }),
);

export const Plan = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    region: z.string(),
    data_mb: z.number(),
    data: z.string(),
    duration_days: z.number(),
    countries: z.array(z.string()),
    price: z.number(),
    currency: z.string(),
    display: z.string(),
    popular: z.boolean(),
  }),
);
export const PlanList = /* @__PURE__ */ schema(() => z.object({ items: z.array(Plan) }));

export const ESIM_STATUSES = ['NOT_ACTIVE', 'ACTIVE', 'FINISHED', 'EXPIRED'] as const;

export const Esim = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    iccid: z.string(),
    plan: Plan,
    status: z.enum(ESIM_STATUSES),
    activation_code: z.string(),
    qr_code: z.string(),
    activated_at: z.string(),
    expires_at: z.string(),
    data_total_mb: z.number(),
    data_used_mb: z.number(),
  }),
);
export const Usage = /* @__PURE__ */ schema(() =>
  z.object({ total_mb: z.number(), used_mb: z.number(), remaining_mb: z.number(), percent_used: z.number(), status: z.enum(ESIM_STATUSES) }),
);
export const UsageAccepted = /* @__PURE__ */ schema(() => z.object({ applied: z.boolean(), notified: z.array(z.string()) }));

export type PlansFilter = z.infer<typeof PlansQuery>;
export type UsageReportInput = z.infer<typeof UsageReport>;
export type PlanView = z.infer<typeof Plan>;
export type EsimView = z.infer<typeof Esim>;
export type UsageView = z.infer<typeof Usage>;
export type EsimStatus = (typeof ESIM_STATUSES)[number];
