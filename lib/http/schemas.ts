import * as z from 'zod/mini';

/**
 * Builds a module-level schema in one call, which an `@__PURE__` annotation
 * before it marks as droppable: a function's bundle then keeps only the
 * schemas that function uses. To esbuild, a call into another module
 * (`z.object(…)`) or a method call (`.check(…)`) may have side effects, so
 * without it every function would carry, and build at each cold start, all
 * the schemas of the modules it imports.
 */
export const schema = <T>(build: () => T): T => build();

/** RFC 9457 problem details, as every error is answered; a problem may carry extension members (RFC 9457 §3.2), such as a refusal's limit. */
export const ProblemSchema = /* @__PURE__ */ schema(() =>
  z.looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
    /** On a 500: the id to quote when reporting it. */
    request_id: z.optional(z.string()),
  }),
);

/** A club, as its id. */
export const ClubId = /* @__PURE__ */ schema(() => z.string().check(z.regex(/^[A-Z0-9_]{2,40}$/, { error: 'Must be a club id such as AS_MONACO' })));

/** `?limit=&cursor=` on every list: keyset pages of 1 to 100, 20 by default. */
export const PageQuery = /* @__PURE__ */ schema(() => ({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
}));

/**
 * Text a person typed: no control characters (NUL cannot even be stored),
 * trimmed by the schemas that use it.
 */
export const plainText = () =>
  // Bidirectional overrides and zero-width characters too: they let a name pass for another.
  z.regex(/^[^\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*$/, {
    error: 'Must not contain control or invisible formatting characters',
  });

/** A fan named by email or by user id: anything else names nobody, and is a 400 rather than a search that finds no one. */
export const FanName = /* @__PURE__ */ schema(() =>
  z.string().check(
    z.trim(),
    z.toLowerCase(),
    z.minLength(3),
    z.maxLength(254),
    plainText(),
    z.regex(/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[^@\s]+@[^@\s]+)$/, { error: 'Must be an email or a user id' }),
  ),
);
