import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ReferenceObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { problemMeaning, problemResponse, type ProblemStatus } from './api-problems';
import { documentValidationRules } from './validation-schemas';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** The security scheme of partner systems' API keys. */
export const PARTNER_KEY_SCHEME = 'partner-key';
/** What the HTTP edge answers to any request with a JSON body (json-body.ts, the validation pipe). */
const BODY_ANSWERS: ProblemStatus[] = [400, 413, 415, 422];

/**
 * The gateway's OpenAPI document: what the controllers and DTOs declare, and what the HTTP edge
 * set up in bootstrap does to every request, said here once for all operations rather than on
 * each: a body may be refused as malformed (400), too large (413), not JSON (415) or invalid
 * (422), a query as invalid (422), and a body with a field its schema does not list is refused
 * (`additionalProperties: false`, from the validation pipe's forbidNonWhitelisted).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  documentValidationRules();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kanta API')
      .setDescription(
        'Customer registry for service businesses. Errors are RFC 9457 application/problem+json.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'A partner API key (also accepted as Authorization: ApiKey <key>)',
        },
        PARTNER_KEY_SCHEME,
      )
      .build(),
  );
  const schemas = document.components?.schemas ?? {};
  const closed = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const answers: ProblemStatus[] = [];
      if (operation.requestBody && !('$ref' in operation.requestBody)) {
        answers.push(...BODY_ANSWERS);
        for (const media of Object.values(operation.requestBody.content)) {
          if (media.schema) closeSchema(media.schema, schemas, closed);
        }
      }
      if (operation.parameters?.some((p) => 'in' in p && p.in === 'query')) answers.push(422);
      addProblems(operation, answers);
    }
  }
  return document;
}

function addProblems(operation: OperationObject, statuses: ProblemStatus[]): void {
  for (const status of statuses) {
    operation.responses[status] ??= problemResponse(problemMeaning(status));
  }
}

/** Marks a request schema, and every object schema inside it, as taking no other fields. */
function closeSchema(
  schema: SchemaObject | ReferenceObject,
  schemas: Record<string, SchemaObject | ReferenceObject>,
  closed: Set<string>,
): void {
  if ('$ref' in schema) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (closed.has(name) || !schemas[name]) return;
    closed.add(name);
    closeSchema(schemas[name], schemas, closed);
    return;
  }
  if (schema.properties && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
  const inner = [
    ...Object.values(schema.properties ?? {}),
    ...(schema.items ? [schema.items] : []),
    ...(schema.allOf ?? []),
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
  ];
  for (const part of inner) closeSchema(part, schemas, closed);
}
