import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClientRMQ } from '@nestjs/microservices';
import { connect } from 'amqplib';
import { firstValueFrom } from 'rxjs';
import { DataSource } from 'typeorm';
import {
  CUSTOMERS,
  type CreateCustomerResult,
  type CustomerPage,
  type ProblemDetails,
  type RpcCommandId,
  type RpcOperation,
} from '@kanta/contracts';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import { RpcClient, connectRpcServer, createLogger } from '@kanta/platform';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';
import { AppModule } from '../src/app.module';
import { AMQP_URL, deleteJobKeys, superadmin, tenantFixture, testJobsOptions } from './support';

describe('customers over the real RMQ command queue', () => {
  const queue = `test.custrpc.${randomBytes(6).toString('hex')}`;
  let db: TestDatabase;
  let app: INestApplication;
  let client: ClientRMQ;
  const t = tenantFixture('FI');
  const jobs = testJobsOptions('custrpc');

  beforeAll(async () => {
    db = await createTestDatabase('custrpc');
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          postgres: db.runtime('customers'),
          amqpUrl: AMQP_URL,
          relay: false,
          ...jobs,
          // Broker names of this file's own: never the deployment's (kanta.events, customers.events).
          messaging: { eventsExchange: `${queue}.events`, queuePrefix: `${queue}.` },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    // Prefetch 1: a delivery that was never acked would block every request after it.
    connectRpcServer(
      app,
      'customers',
      { amqpUrl: AMQP_URL, queue, prefetchCount: 1 },
      createLogger('customers-test', 'silent'),
    );
    await app.startAllMicroservices();
    await app.init();
    client = new ClientRMQ({ urls: [AMQP_URL], queue, queueOptions: { durable: true } });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    const connection = await connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await connection.close();
    await deleteBrokerObjects(
      AMQP_URL,
      systemBrokerNames({
        services: ['customers'],
        eventsExchange: `${queue}.events`,
        eventsQueuePrefix: `${queue}.`,
        rpcQueues: [],
      }),
    );
    await deleteJobKeys(jobs.jobsPrefix);
    await db?.drop();
  });

  // As the gateway sends them: a write carries its command id (a fresh one unless given).
  const call = <T>(
    operation: RpcOperation<unknown, T>,
    context: unknown,
    data: unknown,
    command: RpcCommandId | null = { id: randomUUID(), fromClient: false },
    deadline?: number,
  ): Promise<T> =>
    firstValueFrom(
      client.send<T>(operation.pattern, {
        context,
        data,
        ...(operation.kind === 'write' && command ? { command } : {}),
        ...(deadline !== undefined ? { deadline } : {}),
      }),
    );
  const problemOf = async (
    operation: RpcOperation<unknown, unknown>,
    context: unknown,
    data: unknown,
    command?: RpcCommandId | null,
  ): Promise<ProblemDetails> => {
    try {
      await call(operation, context, data, command);
    } catch (error) {
      return error as ProblemDetails;
    }
    throw new Error('expected a problem');
  };

  it('creates and reads a customer through the queue', async () => {
    const created = await call<CreateCustomerResult>(
      CUSTOMERS.create,
      t.admin,
      { customer: { firstName: 'Rpc', lastName: 'Person', phone: '040 123 4567' } },
      { id: 'rpc-key-1', fromClient: true },
    );
    expect(created.customer.phone).toBe('+358401234567');
    const read = await call<{ id: string }>(CUSTOMERS.get, t.admin, {
      id: created.customer.id,
    });
    expect(read.id).toBe(created.customer.id);
  });

  it('sends the ids of the customers a search page shows beside it, as the page lists them', async () => {
    for (const n of [1, 2, 3]) {
      await call(CUSTOMERS.create, t.admin, {
        customer: { firstName: `Shown${n}`, lastName: 'Relayed', email: `shown${n}@example.test` },
      });
    }
    const rpc = new RpcClient({ service: 'customers', amqpUrl: AMQP_URL, queue, timeoutMs: 5000 });
    try {
      await rpc.connect();
      const page = await rpc.relay(CUSTOMERS.search, t.admin, { q: 'relayed' });
      const listed = (JSON.parse(page.text) as CustomerPage).items.map((item) => item.id);
      expect(listed).toHaveLength(3);
      // What the gateway's access audit records without parsing the page.
      expect(page.shownCustomers).toEqual(listed);
      const none = await rpc.relay(CUSTOMERS.search, t.admin, { q: 'nobody-by-this-name' });
      expect(none.shownCustomers).toEqual([]);
      // An operation that declares no `shows` sends none.
      const rules = await rpc.relay(CUSTOMERS.getFieldRules, t.admin, {});
      expect(rules.shownCustomers).toBeUndefined();
    } finally {
      await rpc.close();
    }
  });

  it('answers validation failures as a 422 problem with one error per field, unknown fields named', async () => {
    const problem = await problemOf(CUSTOMERS.create, t.admin, {
      customer: {
        firstName: 'A',
        lastName: 'B',
        email: 'not-an-email',
        shoeSize: 44,
        addresses: [{ type: 'home', country: 'finland' }],
      },
    });
    expect(problem.status).toBe(422);
    expect(problem.type).toMatch(/validation$/);
    expect(problem.errors?.map((e) => e.field).sort()).toEqual([
      'addresses.0.country',
      'email',
      'shoeSize',
    ]);
    expect(problem.errors?.find((e) => e.field === 'shoeSize')?.reason).toBe('unknown_field');
  });

  it('keeps answering after handlers fail: every delivery is acked, success or error', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await problemOf(CUSTOMERS.get, t.admin, { id: randomUUID() })).status).toBe(404);
      expect((await problemOf(CUSTOMERS.update, t.admin, { id: 'x' })).status).toBe(422);
    }
    const health = await call<{ status: string }>(CUSTOMERS.health, t.admin, {});
    expect(health.status).toBe('ok');
    const connection = await connect(AMQP_URL);
    const channel = await connection.createChannel();
    const state = await channel.checkQueue(queue);
    await connection.close();
    expect(state.messageCount).toBe(0);
  });

  it('answers a command delivered again with what it made the first time, making nothing', async () => {
    const command = { id: randomUUID(), fromClient: false };
    const data = { customer: { firstName: 'Twice', lastName: 'Delivered' } };
    const first = await call<CreateCustomerResult>(CUSTOMERS.create, t.admin, data, command);
    const again = await call<CreateCustomerResult>(CUSTOMERS.create, t.admin, data, command);
    // A redelivery is not the client's retry: answered as the first delivery was.
    expect(again).toEqual(first);
    expect(first.replayed).toBe(false);
    const rows = await app
      .get(DataSource)
      .query(`SELECT 1 FROM customers.customers WHERE first_name = 'Twice'`);
    expect(rows).toHaveLength(1);
  });

  it('starts no write whose deadline has passed: 504, nothing written', async () => {
    const data = { customer: { firstName: 'Too', lastName: 'Late' } };
    const problem = await new Promise<ProblemDetails>((resolve, reject) => {
      call(CUSTOMERS.create, t.admin, data, undefined, Date.now() - 1).then(
        () => reject(new Error('expected a problem')),
        (error: ProblemDetails) => resolve(error),
      );
    });
    expect(problem).toMatchObject({ status: 504 });
    expect(problem.type).toContain('deadline-passed');
    const rows = await app
      .get(DataSource)
      .query(`SELECT 1 FROM customers.customers WHERE first_name = 'Too'`);
    expect(rows).toEqual([]);
  });

  it('refuses a write that carries no command id with a 400, writing nothing', async () => {
    const data = { customer: { firstName: 'Without', lastName: 'Command' } };
    const problem = await problemOf(CUSTOMERS.create, t.admin, data, null);
    expect(problem).toMatchObject({ status: 400, title: 'A write carries no command id' });
    const rows = await app
      .get(DataSource)
      .query(`SELECT 1 FROM customers.customers WHERE first_name = 'Without'`);
    expect(rows).toEqual([]);
  });

  it('answers 403 to a caller without a tenant and 400 to a request without a context', async () => {
    expect((await problemOf(CUSTOMERS.search, superadmin, {})).status).toBe(403);
    expect((await problemOf(CUSTOMERS.getFieldRules, superadmin, {})).status).toBe(403);
    expect((await problemOf(CUSTOMERS.search, undefined, {})).status).toBe(400);
  });

  it('accepts "name plus phone or e-mail" field rules over the wire and applies them', async () => {
    const rules = {
      person: { required: ['firstName', 'lastName'], atLeastOneOf: [['phone', 'email']] },
      company: { required: ['companyName'], atLeastOneOf: [] },
    };
    await expect(call(CUSTOMERS.putFieldRules, t.admin, rules)).resolves.toEqual(rules);
    const problem = await problemOf(CUSTOMERS.create, t.admin, {
      customer: { firstName: 'No', lastName: 'Contact' },
    });
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['email', 'phone']);
    expect((await problemOf(CUSTOMERS.putFieldRules, t.worker, rules)).status).toBe(403);
  });

  it('hides internals of unexpected failures behind a 500 problem', async () => {
    // The caller context is trusted, not validated: a tenant id Postgres cannot parse makes
    // the query itself fail, an error the service did not foresee.
    const problem = await problemOf(
      CUSTOMERS.search,
      { ...t.admin, tenant: { ...t.admin.tenant!, id: 'not-a-uuid' } },
      {},
    );
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toMatch(/uuid|syntax|select/i);
  });

  // Last: it takes the database away.
  it('answers a 503 problem, not a 500, when its database is gone', async () => {
    await db.drop();
    const problem = await problemOf(CUSTOMERS.get, t.admin, { id: randomUUID() });
    expect(problem).toMatchObject({ status: 503, title: 'Service unavailable' });
    expect(JSON.stringify(problem)).not.toContain('kanta_t_');
  });
});
