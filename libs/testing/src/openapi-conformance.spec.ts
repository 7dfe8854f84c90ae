import { OpenApiConformance, type OpenApiDocument } from './openapi-conformance';

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const problem = json({ $ref: '#/components/schemas/ProblemDetails' }).content['application/json'];

const document: OpenApiDocument = {
  paths: {
    '/api/v1/things': {
      get: { responses: { 200: json({ $ref: '#/components/schemas/Thing' }) } },
      post: {
        responses: {
          201: {
            ...json({ $ref: '#/components/schemas/Thing' }),
            headers: { Location: { required: true } },
          },
          422: { content: { 'application/problem+json': problem } },
        },
      },
    },
    '/api/v1/things/{id}': { delete: { responses: { 204: { description: 'Gone' } } } },
    '/api/v1/things/special': { get: { responses: { 200: json({ type: 'string' }) } } },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' },
          name: { type: 'string', nullable: true },
          kind: { type: 'string', enum: ['a', 'b'], nullable: true },
        },
        required: ['id', 'name'],
      },
      ProblemDetails: {
        type: 'object',
        properties: { type: { type: 'string' }, title: { type: 'string' }, status: {} },
        required: ['type', 'title', 'status'],
      },
    },
  },
};

const ID = '0190c6a4-0000-7000-8000-000000000001';
const answer = (
  method: string,
  path: string,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json; charset=utf-8',
) => ({
  method,
  path,
  status,
  headers: new Headers(body === undefined ? headers : { 'content-type': contentType, ...headers }),
  text: body === undefined ? '' : JSON.stringify(body),
});
const aProblem = (status: number) => ({ type: 'x', title: 'y', status });

describe('checking answers against the OpenAPI document', () => {
  const conformance = new OpenApiConformance(document);

  it('passes an answer the document describes, null where it is nullable included', () => {
    expect(
      conformance.check(answer('GET', '/api/v1/things?x=1', 200, { id: ID, name: null })),
    ).toEqual([]);
    expect(
      conformance.check(
        answer('POST', '/api/v1/things', 201, { id: ID, name: 'n' }, { Location: '/x' }),
      ),
    ).toEqual([]);
    expect(conformance.check(answer('DELETE', `/api/v1/things/${ID}`, 204, undefined))).toEqual([]);
  });

  it('finds a status the operation does not document', () => {
    expect(conformance.check(answer('GET', '/api/v1/things', 404, aProblem(404)))).toEqual([
      expect.stringContaining('status 404 is not documented for GET /api/v1/things'),
    ]);
  });

  it('finds an error answered as plain JSON instead of problem+json', () => {
    expect(conformance.check(answer('POST', '/api/v1/things', 422, aProblem(422)))).toEqual([
      expect.stringContaining('content type "application/json" is not documented'),
    ]);
  });

  it('finds a field the document does not list, a wrong type and a missing required one', () => {
    const found = conformance.check(
      answer('GET', '/api/v1/things', 200, { id: 'not-a-uuid', kind: 'c', extra: 1 }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('(extra)'),
        expect.stringContaining('/id must match format "uuid"'),
        expect.stringContaining("must have required property 'name'"),
        expect.stringContaining('/kind must be equal to one of the allowed values'),
      ]),
    );
  });

  it('finds a documented header that is missing and a body where none is documented', () => {
    expect(conformance.check(answer('POST', '/api/v1/things', 201, { id: ID, name: 'n' }))).toEqual(
      [expect.stringContaining('the documented header Location is missing')],
    );
    expect(conformance.check(answer('DELETE', `/api/v1/things/${ID}`, 204, {}))).toEqual([
      expect.stringContaining('a body where the document says there is none'),
    ]);
  });

  it('takes a literal path segment before a parameter', () => {
    expect(conformance.check(answer('GET', '/api/v1/things/special', 200, 'text'))).toEqual([]);
  });

  it('wants a method a path does not document answered 405 with Allow naming the documented ones', () => {
    const problemType = 'application/problem+json';
    expect(
      conformance.check(
        answer(
          'PUT',
          '/api/v1/things',
          405,
          aProblem(405),
          { allow: 'GET, HEAD, POST' },
          problemType,
        ),
      ),
    ).toEqual([]);
    expect(
      conformance.check(answer('PUT', '/api/v1/things', 404, aProblem(404), {}, problemType)),
    ).toEqual([
      expect.stringContaining('must answer 405'),
      expect.stringContaining('does not list the documented methods GET, POST'),
    ]);
  });

  it('wants a path the document does not describe answered with a problem', () => {
    const unknown = '/api/v1/nothing';
    expect(
      conformance.check(answer('GET', unknown, 404, aProblem(404), {}, 'application/problem+json')),
    ).toEqual([]);
    expect(conformance.check(answer('GET', unknown, 200, { ok: true }))).toEqual([
      expect.stringContaining('must answer an application/problem+json error'),
    ]);
  });

  it('throws on a departure when asked to assert', () => {
    expect(() => conformance.assert(answer('GET', '/api/v1/things', 500, aProblem(500)))).toThrow(
      /departs from the OpenAPI document/,
    );
  });
});
