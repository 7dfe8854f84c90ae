import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, RpcException, Transport } from '@nestjs/microservices';
import { createServer } from 'node:net';
import {
  CUSTOMERS,
  problemType,
  type ByIdQuery,
  type CallerContext,
  type CreateCustomerCommand,
  type CreateCustomerResult,
  type CustomerView,
  type RpcRequest,
  type UpdateCustomerCommand,
} from '@kanta/contracts';
import { RPC_QUEUE_OPTIONS } from '@kanta/platform';
import {
  bootGateway,
  createTenantFixture,
  ROOT_EMAIL,
  type Harness,
  type TenantFixture,
} from './gateway-harness';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const STALE_ID = '00000000-0000-4000-8000-000000000412';

/** Everything the fake customers service received, to check what the gateway sent. */
const received: { pattern: string; request: RpcRequest<unknown> }[] = [];
const idempotencyKeys = new Map<string, CustomerView>();

function customer(id: string, version: number, fields: Partial<CustomerView> = {}): CustomerView {
  return {
    id,
    kind: 'person',
    firstName: 'Aino',
    lastName: 'Mäkinen',
    companyName: null,
    businessId: null,
    phone: null,
    phoneRaw: null,
    email: null,
    addresses: [],
    notes: null,
    status: 'active',
    description: null,
    groupIds: [],
    sourceId: null,
    regularOfUserId: null,
    discountPercent: null,
    nameDay: null,
    birthday: null,
    documents: [],
    internal: false,
    leasingCompany: false,
    leasingCompanyId: null,
    sensitiveMasked: false,
    customerNumber: '1001',
    stationIds: [],
    origin: 'reception',
    externalIds: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version,
    ...fields,
  };
}

/** A tiny stand-in for the customers service, answering over the real broker. */
@Controller()
class FakeCustomersController {
  @MessagePattern(CUSTOMERS.create.pattern)
  create(@Payload() request: RpcRequest<CreateCustomerCommand>): CreateCustomerResult {
    received.push({ pattern: CUSTOMERS.create.pattern, request });
    const key = request.command?.fromClient ? request.command.id : undefined;
    const earlier = key ? idempotencyKeys.get(key) : undefined;
    if (earlier) return { customer: earlier, replayed: true };
    const created = customer('0190a000-0000-7000-8000-000000000001', 1, {
      firstName: request.data.customer.firstName ?? null,
    });
    if (key) idempotencyKeys.set(key, created);
    return { customer: created, replayed: false };
  }

  @MessagePattern(CUSTOMERS.get.pattern)
  get(@Payload() request: RpcRequest<ByIdQuery>): CustomerView {
    received.push({ pattern: CUSTOMERS.get.pattern, request });
    if (request.data.id !== '0190a000-0000-7000-8000-000000000001') {
      throw new RpcException({
        type: problemType('not-found'),
        title: 'Customer not found',
        status: 404,
      });
    }
    return customer(request.data.id, 7);
  }

  @MessagePattern(CUSTOMERS.update.pattern)
  update(@Payload() request: RpcRequest<UpdateCustomerCommand>): CustomerView {
    received.push({ pattern: CUSTOMERS.update.pattern, request });
    if (request.data.id === STALE_ID) {
      throw new RpcException({
        type: problemType('precondition-failed'),
        title: 'The resource has changed',
        status: 412,
        detail: 'The customer is at version 9.',
        currentVersion: 9,
      });
    }
    return customer(request.data.id, request.data.expectedVersion + 1);
  }
}

@Module({ controllers: [FakeCustomersController] })
class FakeCustomersModule {}

async function startFakeCustomers(queue: string): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(FakeCustomersModule, {
    transport: Transport.RMQ,
    options: { urls: [AMQP_URL], queue, queueOptions: RPC_QUEUE_OPTIONS, noAck: true },
    logger: false,
  });
  await app.listen();
  return app;
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('customers endpoints relayed over RPC', () => {
  let h: Harness;
  let fake: INestMicroservice;
  let t: TenantFixture;
  let rootToken: string;

  beforeAll(async () => {
    h = await bootGateway('custrpc');
    fake = await startFakeCustomers(h.config.rpcQueues.customers);
    rootToken = await h.login(ROOT_EMAIL);
    t = await createTenantFixture(h, rootToken, 'rpc-a');
  });
  afterAll(async () => {
    await fake?.close();
    await h?.close();
  });

  it('creates a customer: 201 with Location and ETag, and sends the caller context with the request id', async () => {
    const reply = await h.call('POST', '/api/v1/customers', {
      token: t.workerToken,
      body: { firstName: 'Aino', lastName: 'Mäkinen', stationIds: [t.stationIds[0]] },
      headers: { 'x-request-id': 'req-create-1' },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(
      '/api/v1/customers/0190a000-0000-7000-8000-000000000001',
    );
    expect(reply.headers.get('etag')).toBe('"1"');
    expect(reply.headers.get('x-request-id')).toBe('req-create-1');
    expect(reply.body.firstName).toBe('Aino');
    const sent = received.find((r) => r.request.context.correlationId === 'req-create-1');
    const context = sent?.request.context as CallerContext;
    expect(context).toMatchObject({
      tenant: { id: t.tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
      role: 'worker',
      stationIds: [t.stationIds[0]],
      currentStationId: t.stationIds[0],
    });
  });

  it('answers a replayed Idempotency-Key with 200 and Idempotent-Replayed: true', async () => {
    const send = () =>
      h.call('POST', '/api/v1/customers', {
        token: t.adminToken,
        body: { firstName: 'Eero', lastName: 'Virtanen' },
        headers: { 'idempotency-key': 'key-42' },
      });
    expect((await send()).status).toBe(201);
    const replay = await send();
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const forwarded = received.filter((r) => r.request.command?.id === 'key-42');
    expect(forwarded).toHaveLength(2);
    expect(forwarded.every((r) => r.request.command?.fromClient === true)).toBe(true);
  });

  it('gives every write a command id of its own and a deadline, and reads none', async () => {
    const before = Date.now();
    for (let i = 0; i < 2; i++) {
      await h.call('POST', '/api/v1/customers', {
        token: t.adminToken,
        body: { firstName: 'Ilman', lastName: 'Avainta' },
      });
    }
    const creates = received
      .filter((r) => r.pattern === CUSTOMERS.create.pattern)
      .filter((r) => (r.request.data as CreateCustomerCommand).customer.firstName === 'Ilman');
    expect(creates).toHaveLength(2);
    const [first, second] = creates.map((r) => r.request);
    expect(first.command).toEqual({ id: expect.any(String), fromClient: false });
    expect(second.command?.id).not.toBe(first.command?.id);
    // The deadline comes before the gateway gives up, leaving time for the answer to travel.
    expect(first.deadline).toBeGreaterThan(before);
    expect(first.deadline).toBeLessThan(Date.now() + h.config.rpcTimeoutMs);
    await h.call('GET', '/api/v1/customers/0190a000-0000-7000-8000-000000000001', {
      token: t.adminToken,
    });
    const read = received.filter((r) => r.pattern === CUSTOMERS.get.pattern).at(-1);
    expect(read?.request.command).toBeUndefined();
    expect(read?.request.deadline).toEqual(expect.any(Number));
  });

  it('refuses an Idempotency-Key longer than 200 characters with a 422 naming the header', async () => {
    const reply = await h.call('POST', '/api/v1/customers', {
      token: t.adminToken,
      body: { firstName: 'A', lastName: 'B' },
      headers: { 'idempotency-key': 'k'.repeat(201) },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  it('refuses station ids of another tenant with 422 on stationIds, without calling the service', async () => {
    const other = await createTenantFixture(h, rootToken, 'rpc-b');
    const before = received.length;
    const create = await h.call('POST', '/api/v1/customers', {
      token: t.adminToken,
      body: { firstName: 'A', lastName: 'B', stationIds: [other.stationIds[0]] },
    });
    const search = await h.call('GET', `/api/v1/customers?stationIds=${other.stationIds[1]}`, {
      token: t.adminToken,
    });
    for (const reply of [create, search]) {
      expect(reply.status).toBe(422);
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'stationIds' })]);
    }
    expect(received.length).toBe(before);
  });

  it('validates the body with the contract DTO and names every bad or unknown field', async () => {
    const reply = await h.call('POST', '/api/v1/customers', {
      token: t.adminToken,
      body: { email: 'not-an-email', addresses: [{ type: 'moon' }], shoeSize: 44 },
    });
    expect(reply.status).toBe(422);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    const fields = (reply.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['addresses.0.type', 'email', 'shoeSize']);
  });

  it('gets a customer with its version as ETag; a non-UUID id is 404 and a remote 404 is relayed', async () => {
    const found = await h.call('GET', '/api/v1/customers/0190a000-0000-7000-8000-000000000001', {
      token: t.workerToken,
    });
    expect(found.status).toBe(200);
    expect(found.headers.get('etag')).toBe('"7"');
    const malformed = await h.call('GET', '/api/v1/customers/not-a-uuid', { token: t.workerToken });
    expect(malformed.status).toBe(404);
    const missing = await h.call('GET', '/api/v1/customers/0190a000-0000-7000-8000-0000000000ff', {
      token: t.workerToken,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.title).toBe('Customer not found');
  });

  it('patches with If-Match: missing is 428, malformed is 400, and the version travels to the service', async () => {
    const path = '/api/v1/customers/0190a000-0000-7000-8000-000000000001';
    const missing = await h.call('PATCH', path, { token: t.adminToken, body: { notes: null } });
    expect(missing.status).toBe(428);
    const malformed = await h.call('PATCH', path, {
      token: t.adminToken,
      body: { notes: null },
      headers: { 'if-match': 'version-three' },
    });
    expect(malformed.status).toBe(400);
    const ok = await h.call('PATCH', path, {
      token: t.adminToken,
      body: { notes: null },
      headers: { 'if-match': '"3"', 'content-type': 'application/merge-patch+json' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"4"');
    const sent = received.filter((r) => r.pattern === CUSTOMERS.update.pattern).at(-1);
    expect(sent?.request.data).toEqual({
      id: '0190a000-0000-7000-8000-000000000001',
      expectedVersion: 3,
      patch: { notes: null },
    });
  });

  it('relays a service problem unchanged, extensions included', async () => {
    const reply = await h.call('PATCH', `/api/v1/customers/${STALE_ID}`, {
      token: t.adminToken,
      body: { notes: 'x' },
      headers: { 'if-match': '"3"' },
    });
    expect(reply.status).toBe(412);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body).toMatchObject({
      type: problemType('precondition-failed'),
      detail: 'The customer is at version 9.',
      currentVersion: 9,
    });
  });

  it('answers 403 to a superadmin without a tenant on customer endpoints', async () => {
    const reply = await h.call('GET', '/api/v1/customers', { token: rootToken });
    expect(reply.status).toBe(403);
  });

  it('lets only admins read and write the customer field rules', async () => {
    const read = await h.call('GET', '/api/v1/customer-field-rules', { token: t.workerToken });
    expect(read.status).toBe(403);
    const write = await h.call('PUT', '/api/v1/customer-field-rules', {
      token: t.workerToken,
      body: {
        person: { required: [], atLeastOneOf: [] },
        company: { required: [], atLeastOneOf: [] },
      },
    });
    expect(write.status).toBe(403);
  });
});

describe('RPC failures', () => {
  it('answers 504 when nobody consumes the service queue within RPC_TIMEOUT_MS', async () => {
    const h = await bootGateway('rpctimeout', { RPC_TIMEOUT_MS: '300' });
    try {
      const root = await h.login(ROOT_EMAIL);
      const t = await createTenantFixture(h, root, 'timeout');
      const started = Date.now();
      const reply = await h.call('GET', '/api/v1/customers/0190a000-0000-7000-8000-000000000001', {
        token: t.workerToken,
      });
      expect(reply.status).toBe(504);
      expect(reply.body.detail).toBe('customers did not answer in time.');
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await h.close();
    }
  });

  it('answers 503 at once when the broker cannot be reached, and /health says which part is down', async () => {
    const port = await closedPort();
    const h = await bootGateway('rpcdown', { AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}` });
    try {
      const root = await h.login(ROOT_EMAIL);
      const t = await createTenantFixture(h, root, 'down');
      const started = Date.now();
      const reply = await h.call('GET', '/api/v1/customers', { token: t.workerToken });
      expect(reply.status).toBe(503);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      // Far below RPC_TIMEOUT_MS (5 s): the call did not wait for an answer that cannot come.
      expect(Date.now() - started).toBeLessThan(1500);
      const health = await h.call('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.body.checks).toMatchObject({
        database: { status: 'up' },
        redis: { status: 'up' },
        broker: { status: 'down' },
        customers: { status: 'down' },
      });
    } finally {
      await h.close();
    }
  });
});
