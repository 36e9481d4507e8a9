import { config as zodConfig, safeParse, type $ZodIssue, type $ZodType } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';
import { badRequest, type FieldError } from './problem';
import type { Route } from './route';
import type { Middleware } from './types';

// zod/mini ships without messages; the English ones cost a few KB.
zodConfig(en());


const toFieldErrors = (where: string, issues: readonly $ZodIssue[]): FieldError[] =>
  issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));

/**
 * Parses body, query and path parameters with the route's schemas. A part the
 * route declares no schema for must be empty: unknown input is refused, never
 * silently dropped.
 */
export const validate = (route: Route): Middleware => ({
  before: (request) => {
    const { event } = request;
    const state = request.context.http;
    const errors: FieldError[] = [];
    const parse = (where: string, schema: $ZodType | undefined, value: unknown, present: boolean) => {
      if (!schema) {
        if (present) errors.push({ path: where, message: `This endpoint takes no ${where}.` });
        return undefined;
      }
      const result = safeParse(schema, value);
      if (result.success) return result.data;
      errors.push(...toFieldErrors(where, result.error.issues));
      return undefined;
    };
    const query = event.queryStringParameters ?? {};
    const params = event.pathParameters ?? {};
    state.input = {
      body: parse('body', route.body, state.body, state.body !== undefined),
      query: parse('query', route.query, query, Object.keys(query).length > 0),
      params: parse('params', route.params, params, false),
    };
    if (errors.length > 0) {
      throw badRequest(`The request has ${errors.length} invalid field${errors.length > 1 ? 's' : ''}.`, errors);
    }
  },
});
