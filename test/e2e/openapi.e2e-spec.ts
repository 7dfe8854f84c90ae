import { getMetadataStorage } from 'class-validator';
import * as contracts from '@kanta/contracts';
import * as auth from '../../services/gateway/src/auth/auth.dto';
import * as identity from '../../services/gateway/src/identity/dto/identity.dto';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

jest.setTimeout(120_000);

interface Schema {
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  default?: unknown;
  example?: unknown;
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  $ref?: string;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const FORMAT_SAMPLES: Record<string, string> = {
  date: '1990-05-17',
  'date-time': new Date().toISOString(),
  email: 'a@example.test',
};

/** A value of a documented schema, as a client generated from the document would send it. */
function sample(schema: Schema, document: Document): unknown {
  if (schema.$ref) return sample(resolve(schema.$ref, document), document);
  if (schema.allOf) return sample(schema.allOf[0], document);
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.example !== undefined && schema.type !== 'string') return schema.example;
  switch (schema.type ?? '') {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([name, property]) => schema.required?.includes(name) || !isReference(property))
          .map(([name, property]) => [name, sample(property, document)]),
      );
    case 'array':
      return Array.from({ length: schema.minItems ?? 1 }, () => sample(schema.items!, document));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string': {
      const value =
        typeof schema.example === 'string'
          ? schema.example
          : (FORMAT_SAMPLES[schema.format ?? ''] ?? 'Sample'.slice(0, schema.maxLength ?? 6));
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) {
        throw new Error(`no example matches the pattern ${schema.pattern} (${value})`);
      }
      return value;
    }
    default:
      throw new Error(`a schema without a type: ${JSON.stringify(schema)}`);
  }
}

/** An optional field that names another record (an id): a client leaves it out to begin with. */
const isReference = (schema: Schema): boolean =>
  schema.format === 'uuid' || schema.items?.format === 'uuid' || schema.allOf !== undefined;

const resolve = (ref: string, document: Document): Schema =>
  document.components.schemas[ref.replace('#/components/schemas/', '')];

function operations(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m): [string, Operation] => [`${m} ${path}`, item[m]]),
  );
}

describe('the OpenAPI document (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let document: Document;

  beforeAll(async () => {
    e2e = await startE2eSystem('openapi');
    fi = await createTenant(e2e, 'oas-fi');
    document = e2e.openApi.document as unknown as Document;
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('is what every answer of the end-to-end suite is checked against', () => {
    for (const client of [e2e.api, e2e.superadmin, fi.admin, fi.worker, fi.otherWorker]) {
      expect(client.checkAnswer).toBeDefined();
    }
    const departing = {
      method: 'GET',
      path: '/api/v1/customers',
      status: 418,
      headers: new Headers(),
      text: '',
    };
    expect(e2e.openApi.check(departing)).toEqual([
      expect.stringContaining('status 418 is not documented'),
    ]);
  });

  it('types every field: nothing that is a string, number or date is typed object', () => {
    const untyped: string[] = [];
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        const bare =
          property.type === undefined
            ? !property.$ref && !property.allOf && !property.oneOf
            : property.type === 'object' &&
              !property.properties &&
              !property.allOf &&
              property.additionalProperties === undefined;
        if (bare) untyped.push(`${name}.${field}`);
      }
    }
    for (const [operation, { parameters }] of operations(document)) {
      for (const parameter of parameters ?? []) {
        if (!parameter.schema?.type) untyped.push(`${operation} ${parameter.name}`);
      }
    }
    expect(untyped).toEqual([]);
  });

  it('says what the validators check: every field, its format, pattern, bounds and whether it may be left out', () => {
    const classes = [contracts, auth, identity]
      .flatMap((module) => Object.values(module))
      .filter((value): value is new () => object => typeof value === 'function');
    const storage = getMetadataStorage();
    const departures: string[] = [];
    let checked = 0;
    for (const type of classes) {
      const schema = document.components.schemas[type.name];
      if (!schema) continue;
      const checks = storage.getTargetValidationMetadatas(type, '', true, false);
      for (const [field, fieldChecks] of Object.entries(storage.groupByPropertyName(checks))) {
        const at = `${type.name}.${field}`;
        const property = schema.properties?.[field];
        if (!property) {
          departures.push(`${at} is validated but not documented`);
          continue;
        }
        checked++;
        const target = (each: boolean): Schema => (each ? (property.items ?? {}) : property);
        const optional = fieldChecks.some((c) =>
          ['isOptional', 'conditionalValidation'].includes(c.name ?? c.type),
        );
        if (optional === (schema.required ?? []).includes(field)) {
          departures.push(`${at}: required is ${!optional} in the validators`);
        }
        for (const check of fieldChecks) {
          const [first, second] = check.constraints ?? [];
          const said = target(check.each);
          const expected: Partial<Schema> =
            {
              isUuid: { format: 'uuid' },
              isEmail: { format: 'email' },
              isInt: { type: 'integer' },
              maxLength: { maxLength: first },
              minLength: { minLength: first },
              isLength: { minLength: first, maxLength: second },
              min: { minimum: first },
              max: { maximum: first },
              arrayMaxSize: { maxItems: first },
              arrayMinSize: check.each ? {} : { minItems: first },
              matches:
                first instanceof RegExp && !/[is]/.test(first.flags)
                  ? { pattern: first.source }
                  : {},
            }[check.name ?? ''] ?? {};
          for (const [key, value] of Object.entries(expected)) {
            if (value !== undefined && said[key as keyof Schema] !== value) {
              departures.push(
                `${at}: ${key} is ${JSON.stringify(said[key as keyof Schema])}, not ${JSON.stringify(value)}`,
              );
            }
          }
          if (check.name === 'isIso8601' && !said.format && !said.pattern) {
            departures.push(`${at}: an ISO 8601 value without a format or pattern`);
          }
        }
      }
    }
    expect(departures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it('refuses unknown fields, and says so in every request body (additionalProperties: false)', async () => {
    const open: string[] = [];
    const visit = (schema: Schema, at: string, seen: Set<string>): void => {
      if (schema.$ref) {
        if (seen.has(schema.$ref)) return;
        seen.add(schema.$ref);
        visit(resolve(schema.$ref, document), schema.$ref, seen);
        return;
      }
      if (schema.properties && schema.additionalProperties !== false) open.push(at);
      for (const inner of [
        ...Object.values(schema.properties ?? {}),
        ...(schema.items ? [schema.items] : []),
        ...(schema.allOf ?? []),
      ]) {
        visit(inner, at, seen);
      }
    };
    for (const [operation, { requestBody }] of operations(document)) {
      for (const media of Object.values(requestBody?.content ?? {})) {
        visit(media.schema, operation, new Set());
      }
    }
    expect(open).toEqual([]);
    const refused = await fi.worker.request('POST', '/api/v1/customers', {
      firstName: 'Aino',
      lastName: 'Virta',
      shoeSize: 38,
    });
    expect(refused.status).toBe(422);
  });

  it('declares each header once, If-Match and Idempotency-Key with their form', () => {
    const twice: string[] = [];
    const forms = new Map<string, Schema | undefined>();
    for (const [operation, { parameters }] of operations(document)) {
      const headers = (parameters ?? []).filter((p) => p.in === 'header');
      const names = headers.map((p) => p.name.toLowerCase());
      if (new Set(names).size !== names.length) twice.push(operation);
      for (const header of headers) forms.set(header.name, header.schema);
    }
    expect(twice).toEqual([]);
    expect(forms.get('If-Match')).toMatchObject({ type: 'string', pattern: expect.any(String) });
    expect(forms.get('Idempotency-Key')).toMatchObject({
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: expect.any(String),
    });
    const ifMatch = new RegExp(forms.get('If-Match')!.pattern!);
    expect(['"3"', 'W/"12"'].every((value) => ifMatch.test(value))).toBe(true);
    expect(['3', '*', '"three"'].some((value) => ifMatch.test(value))).toBe(false);
  });

  it('documents every error of every operation as application/problem+json', () => {
    const notProblems: string[] = [];
    for (const [operation, { responses }] of operations(document)) {
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) < 400 || operation === 'get /health') continue;
        const types = Object.keys(response.content ?? {});
        if (types.join() !== 'application/problem+json') notProblems.push(`${operation} ${status}`);
      }
      // The list of partner event types is static: it has nothing to fail on.
      const cannotFail = operation === 'get /api/v1/partner/schemas';
      if (!cannotFail && !Object.keys(responses).some((status) => Number(status) >= 400)) {
        notProblems.push(`${operation}: no error at all`);
      }
    }
    expect(notProblems).toEqual([]);
  });

  it('is enough for a client that follows it to create a customer', async () => {
    const create = document.paths['/api/v1/customers'].post;
    const body = sample(create.requestBody!.content['application/json'].schema, document) as {
      leasingCompanyId?: string;
    };
    expect(Object.keys(body).length).toBeGreaterThanOrEqual(20);
    // Its description says it needs leasingCompany: true, which OpenAPI 3.0 cannot express.
    delete body.leasingCompanyId;
    const created = await fi.worker.request('POST', '/api/v1/customers', body);
    expect(created.status).toBe(201);
  });
});
