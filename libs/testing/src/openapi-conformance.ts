import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ApiExchange } from '@kanta/local';

/** The parts of an OpenAPI 3.0 document the conformance check reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

interface OpenApiOperation {
  responses?: Record<string, OpenApiResponse>;
}

interface OpenApiResponse {
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, { required?: boolean }>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SCHEMA_ID = 'openapi';
/** Keywords of OpenAPI 3.0 schemas that JSON Schema does not have and that constrain nothing. */
const ANNOTATIONS = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'nullable']);
/** Served beside the API and not described by it: the document itself and its viewer. */
const UNDESCRIBED = /^\/api\/docs(?:-json)?(?:\/|$)/;

interface PathTemplate {
  template: string;
  pattern: RegExp;
  methods: Map<string, OpenApiOperation>;
}

/**
 * Checks answers of the gateway against its OpenAPI document: the status is one the operation
 * documents, an error is application/problem+json, the body has a documented content type and
 * matches the documented schema, documented required headers are there, and a method a path does
 * not document is a 405 naming the ones it does. Response objects are checked as closed (no
 * property the document does not list), so an undocumented field is found too.
 */
export class OpenApiConformance {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, logger: false });
  private readonly templates: PathTemplate[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    const schemas = document.components?.schemas ?? {};
    this.ajv.addSchema({ $id: SCHEMA_ID, $defs: toJsonSchema(schemas, 'map') });
    this.templates = Object.entries(document.paths)
      .map(([template, item]) => ({
        template,
        pattern: templatePattern(template),
        methods: new Map(
          Object.entries(item)
            .filter(([method]) => HTTP_METHODS.includes(method))
            .map(([method, operation]) => [method.toUpperCase(), operation as OpenApiOperation]),
        ),
      }))
      // A literal segment wins over a parameter: /customers/duplicates before /customers/{id}.
      .sort((a, b) => paramCount(a.template) - paramCount(b.template));
  }

  /** The ways an answer departs from the document; empty when it conforms. */
  check(exchange: ApiExchange): string[] {
    const path = exchange.path.split('?')[0];
    const method = exchange.method.toUpperCase();
    const at = `${method} ${path} → ${exchange.status}`;
    const template = this.templates.find((t) => t.pattern.test(path));
    if (!template) {
      if (UNDESCRIBED.test(path)) return [];
      return this.problemViolations(exchange, at, 'a path the document does not describe');
    }
    const operation =
      template.methods.get(method) ?? (method === 'HEAD' ? template.methods.get('GET') : undefined);
    if (!operation) return this.methodNotAllowedViolations(exchange, at, template);
    const responses = operation.responses ?? {};
    const status = [`${exchange.status}`, `${String(exchange.status)[0]}XX`, 'default'].find(
      (key) => key in responses,
    );
    if (!status) {
      return [
        `${at}: status ${exchange.status} is not documented for ${method} ${template.template} (documented: ${Object.keys(responses).join(', ')})`,
      ];
    }
    const response = responses[status];
    const violations: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if (header.required && !exchange.headers.has(name)) {
        violations.push(`${at}: the documented header ${name} is missing`);
      }
    }
    const key = `${method} ${template.template} ${status}`;
    return [...violations, ...this.contentViolations(exchange, at, response, key)];
  }

  /** Like check, but throws an error listing the departures. */
  assert(exchange: ApiExchange): void {
    const violations = this.check(exchange);
    if (violations.length > 0) {
      throw new Error(`The answer departs from the OpenAPI document:\n${violations.join('\n')}`);
    }
  }

  private contentViolations(
    exchange: ApiExchange,
    at: string,
    response: OpenApiResponse,
    key: string,
  ): string[] {
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
      return exchange.text === '' || exchange.method.toUpperCase() === 'HEAD'
        ? []
        : [`${at}: a body where the document says there is none`];
    }
    const mediaType = (exchange.headers.get('content-type') ?? '').split(';')[0].trim();
    const media = content[mediaType];
    if (!media) {
      return [
        `${at}: content type "${mediaType}" is not documented (documented: ${Object.keys(content).join(', ')})`,
      ];
    }
    if (media.schema === undefined || exchange.method.toUpperCase() === 'HEAD') return [];
    const body = parseBody(exchange.text, mediaType);
    if (body === undefined) return [`${at}: the body is not ${mediaType}`];
    const validate = this.validator(`${key} ${mediaType}`, media.schema);
    return validate(body) ? [] : describeErrors(at, validate.errors ?? []);
  }

  /** A method the path does not document: a 405 problem that says which methods it has. */
  private methodNotAllowedViolations(
    exchange: ApiExchange,
    at: string,
    template: PathTemplate,
  ): string[] {
    const violations = this.problemViolations(exchange, at, 'a method the path does not document');
    if (exchange.status !== 405) {
      violations.push(`${at}: a method ${template.template} does not document must answer 405`);
    }
    const allowed = new Set(
      (exchange.headers.get('allow') ?? '').split(',').map((m) => m.trim().toUpperCase()),
    );
    const documented = [...template.methods.keys()];
    if (documented.some((m) => !allowed.has(m))) {
      violations.push(
        `${at}: Allow "${exchange.headers.get('allow') ?? ''}" does not list the documented methods ${documented.join(', ')}`,
      );
    }
    return violations;
  }

  /** An answer outside any operation must still be an error in the documented problem format. */
  private problemViolations(exchange: ApiExchange, at: string, what: string): string[] {
    const mediaType = (exchange.headers.get('content-type') ?? '').split(';')[0].trim();
    if (exchange.status < 400 || mediaType !== 'application/problem+json') {
      return [`${at}: ${what} must answer an application/problem+json error`];
    }
    const schemas = this.document.components?.schemas ?? {};
    if (!('ProblemDetails' in schemas)) return [`${at}: the document has no ProblemDetails schema`];
    const validate = this.validator('ProblemDetails', {
      $ref: '#/components/schemas/ProblemDetails',
    });
    return validate(parseBody(exchange.text, mediaType))
      ? []
      : describeErrors(at, validate.errors ?? []);
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema, 'schema') as object);
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/**
 * An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a union with null, references point
 * into the registered components, annotations JSON Schema lacks are dropped, and an object that
 * lists its properties and says nothing of others is closed.
 */
function toJsonSchema(node: unknown, kind: 'schema' | 'map' | 'list'): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (kind === 'list') return (node as unknown[]).map((item) => toJsonSchema(item, 'schema'));
  const entries = Object.entries(node as Record<string, unknown>);
  if (kind === 'map') {
    return Object.fromEntries(
      entries.map(([name, value]) => [name, toJsonSchema(value, 'schema')]),
    );
  }
  const source = node as Record<string, unknown>;
  if (typeof source.$ref === 'string') {
    return { $ref: source.$ref.replace('#/components/schemas/', `${SCHEMA_ID}#/$defs/`) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (ANNOTATIONS.has(key)) continue;
    if (key === 'properties' || key === 'patternProperties') out[key] = toJsonSchema(value, 'map');
    else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf')
      out[key] = toJsonSchema(value, 'list');
    else if (key === 'items' || key === 'not' || key === 'additionalProperties') {
      out[key] = toJsonSchema(value, 'schema');
    } else out[key] = value;
  }
  if (out.properties !== undefined && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return source.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

function templatePattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((segment) =>
      /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  // The gateway's router ignores case and a trailing slash.
  return new RegExp(`^${source}/?$`, 'i');
}

const paramCount = (template: string): number => (template.match(/\{/g) ?? []).length;

function parseBody(text: string, mediaType: string): unknown {
  if (!/json$/.test(mediaType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeErrors(at: string, errors: ErrorObject[]): string[] {
  return errors.map(
    (error) =>
      `${at}: body${error.instancePath} ${error.message ?? 'is invalid'}${
        error.keyword === 'additionalProperties'
          ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
          : ''
      }`,
  );
}
