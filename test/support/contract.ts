/**
 * The OpenAPI document as a contract on answers: which operation a request
 * is, and what is wrong with an answer to it (an undeclared status or
 * content type, a body its schema refuses). The document is generated from
 * lib/routes.ts as GET /api/openapi.json serves it; its schemas are JSON
 * Schema 2020-12, as OpenAPI 3.1 uses.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../lib/openapi/document';
import { routes } from '../../lib/routes';

export const document = openApiDocument(routes);

type MediaType = { schema?: unknown };
type Response = { content?: Record<string, MediaType> };
export type Operation = { operationId: string; responses: Record<string, Response>; [field: string]: unknown };

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
// Registered whole, so that a schema's `#/components/...` references resolve within it.
ajv.addSchema(document, 'openapi.json');

/** Every operation: its method, path template, a matcher for concrete paths and its object. */
export const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item as Record<string, Operation>).map(([method, operation]) => ({
    method: method.toUpperCase(),
    path,
    operation,
    pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`),
    // Where two templates match (`/api/tickets/events/{id}`, `/api/tickets/{id}/qr`), the one with more literal segments: API Gateway's choice.
    literals: path.split('/').filter((segment) => !segment.startsWith('{')).length,
  })),
);

/** The operation a request is, if the document has one. */
export const operationOf = (method: string, path: string) =>
  operations.filter((o) => o.method === method.toUpperCase() && o.pattern.test(path)).sort((a, b) => b.literals - a.literals)[0];

const pointer = (...segments: string[]) => segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map<string, ValidateFunction>();
const validatorFor = (path: string, method: string, status: string, type: string) => {
  const ref = `openapi.json#/paths/${pointer(path, method.toLowerCase(), 'responses', status, 'content', type, 'schema')}`;
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    validators.set(ref, validate);
  }
  return validate;
};

export type Observed = { method: string; path: string; status: number; contentType: string | undefined; body: unknown };

/** What is wrong with an answer by the document: nothing (an empty list) when it conforms, or when no operation matches the request. */
export const violations = ({ method, path, status, contentType, body }: Observed): string[] => {
  const op = operationOf(method, path);
  if (!op) return [];
  const declared = op.operation.responses[String(status)] ?? op.operation.responses.default;
  if (!declared) return [`status ${status} is not among the documented ones (${Object.keys(op.operation.responses).join(', ')})`];
  // A response documented without content (a page, the document itself) says nothing of its body.
  if (!declared.content) return [];
  const type = contentType?.split(';')[0]!.trim();
  if (!type || !declared.content[type]) return [`content-type ${type ?? '(none)'} for ${status}, documented: ${Object.keys(declared.content).join(', ')}`];
  const validate = validatorFor(op.path, op.method, String(status), type);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `body${e.instancePath} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
};
