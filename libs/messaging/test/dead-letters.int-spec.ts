import { randomUUID } from 'node:crypto';
import { CUSTOMER_CREATED_V1, type CallerContext } from '@kanta/contracts';
import {
  DeadLetters,
  EventConsumer,
  insertDeadLetter,
  type BrokerConnection,
} from '@kanta/messaging';
import {
  SCHEMA,
  brokerConnection,
  countRows,
  createMessagingDatabase,
  customerCreated,
  openBrokerProbe,
  silentLogger,
  sleep,
  uniqueName,
  waitFor,
  type BrokerProbe,
  type MessagingDatabase,
} from './support';

jest.setTimeout(30_000);

const caller = (role: CallerContext['role'], tenantId: string | null): CallerContext => ({
  tenant: tenantId
    ? { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' }
    : null,
  userId: randomUUID(),
  role,
  stationIds: [],
  currentStationId: null,
  correlationId: 'test',
});

describe('Dead letters', () => {
  let database: MessagingDatabase;
  let probe: BrokerProbe;
  let broker: BrokerConnection;
  let exchange: string;
  let service: string;
  const stoppable: { stop(): Promise<void> }[] = [];

  const keeper = (options: Partial<ConstructorParameters<typeof DeadLetters>[0]> = {}) => {
    const deadLetters = new DeadLetters({
      dataSource: database.dataSource,
      broker,
      schema: SCHEMA,
      service,
      eventsExchange: exchange,
      logger: silentLogger,
      keepDlq: true,
      keepUnroutable: false,
      ...options,
    });
    stoppable.push(deadLetters);
    deadLetters.start();
    return deadLetters;
  };

  const rows = () =>
    database.dataSource.query<
      {
        id: string;
        reason: string;
        attempts: number;
        tenant_id: string | null;
        last_error: string;
        replays: number;
        dead_at: Date;
      }[]
    >(
      `SELECT id, reason, attempts, tenant_id, last_error, replays, dead_at
         FROM "${SCHEMA}".dead_letters`,
    );

  beforeAll(async () => {
    database = await createMessagingDatabase('dead-letters');
    probe = await openBrokerProbe();
    broker = brokerConnection('dead-letters-test');
    await broker.waitForConnect();
  });

  beforeEach(async () => {
    exchange = uniqueName('events');
    service = uniqueName('svc');
    await database.dataSource.query(
      `TRUNCATE "${SCHEMA}".dead_letters, "${SCHEMA}".inbox, "${SCHEMA}".effects, "${SCHEMA}".outbox`,
    );
  });

  afterEach(async () => {
    await Promise.all(stoppable.splice(0).map((s) => s.stop()));
    await probe.cleanup({ exchange, services: [service, `${service}-other`] });
  });

  afterAll(async () => {
    await broker.close();
    await probe.close();
    await database.close();
  });

  it("keeps a consumer's dead letter with its tenant, and replays it after a fix to that consumer only, with effect once however often replayed", async () => {
    let broken = true;
    const attempts: number[] = [];
    const consumerOf = (name: string, fails: () => boolean) => {
      const consumer = new EventConsumer({
        dataSource: database.dataSource,
        broker,
        schema: SCHEMA,
        service: name,
        eventsExchange: exchange,
        logger: silentLogger,
        maxAttempts: 2,
        retryDelayMs: 100,
      }).on(CUSTOMER_CREATED_V1, async (event, { manager, attempt }) => {
        if (name === service) attempts.push(attempt);
        if (fails()) throw new Error('the handler has a bug');
        await manager.query(
          `INSERT INTO "${SCHEMA}".effects (event_id, consumer) VALUES ($1, $2)`,
          [event.eventId, name],
        );
      });
      stoppable.push(consumer);
      return consumer;
    };
    const failing = consumerOf(service, () => broken);
    await failing.start();
    await consumerOf(`${service}-other`, () => false).start();
    const deadLetters = keeper();
    await deadLetters.ready();
    const event = customerCreated({ customerNumber: 'DEAD-1' });
    const tenant = event.tenantId!;

    await probe.publish(exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    const [kept] = await waitFor(rows, (r) => r.length === 1);
    expect(kept).toMatchObject({
      reason: 'handler-failed',
      attempts: 2,
      tenant_id: tenant,
      last_error: 'Error: the handler has a bug',
    });
    expect(await probe.messageCount(`${service}.events.dlq`)).toBe(0);

    // Another tenant's admin finds nothing; a worker may not look.
    const otherAdmin = caller('admin', randomUUID());
    await expect(deadLetters.get(otherAdmin, kept.id)).rejects.toMatchObject({
      problem: { status: 404 },
    });
    expect((await deadLetters.list(otherAdmin, {})).items).toEqual([]);
    await expect(deadLetters.list(caller('worker', tenant), {})).rejects.toMatchObject({
      problem: { status: 403 },
    });
    // The tenant's admin sees the envelope; the superadmin sees it without personal fields.
    const admin = caller('admin', tenant);
    expect((await deadLetters.get(admin, kept.id)).envelope).toEqual(event);
    const redacted = await deadLetters.get(caller('superadmin', null), kept.id);
    expect(redacted.envelope?.payload).toMatchObject({ customerNumber: '[redacted]' });
    expect(redacted.envelope?.tenantId).toBe(tenant);

    // Replayed before the fix: a fresh start, two attempts again, and dead again.
    await deadLetters.replay(admin, kept.id);
    await waitFor(
      () => Promise.resolve(attempts),
      (a) => a.length === 4,
    );
    expect(attempts).toEqual([1, 2, 1, 2]);
    await waitFor(rows, (r) => r.length === 1 && r[0].dead_at.getTime() > kept.dead_at.getTime());

    // Fixed; replayed twice before the consumer is back, so both copies reach it.
    broken = false;
    await failing.stop();
    const replayed = await deadLetters.replay(admin, kept.id);
    await deadLetters.replay(admin, kept.id);
    expect(replayed).toMatchObject({ replays: 2, reason: 'handler-failed' });
    expect(await rows()).toMatchObject([{ replays: 3 }]);
    await failing.start();
    await waitFor(rows, (r) => r.length === 0);
    await sleep(300);

    const effects = await database.dataSource.query<{ consumer: string }[]>(
      `SELECT consumer FROM "${SCHEMA}".effects ORDER BY consumer`,
    );
    // The failed consumer once, however often replayed; the other one never got it again.
    expect(effects.map((e) => e.consumer)).toEqual([service, `${service}-other`]);
    await expect(deadLetters.replay(admin, kept.id)).rejects.toMatchObject({
      problem: { status: 404 },
    });
  });

  it('keeps what no queue is bound for as unroutable, and publishes it again when replayed', async () => {
    const deadLetters = keeper({ keepDlq: false, keepUnroutable: true });
    const event = { ...customerCreated(), type: 'customers.customer.created.v9' };
    await deadLetters.ready();

    await probe.publish(exchange, event.type, event, event.eventId);
    const [kept] = await waitFor(rows, (r) => r.length === 1);
    expect(kept).toMatchObject({
      reason: 'unroutable',
      tenant_id: event.tenantId,
      last_error: `no queue is bound for ${event.type}`,
    });

    const queue = await probe.bindProbeQueue(exchange, event.type);
    await deadLetters.replay(caller('superadmin', null), kept.id);
    const [again] = await waitFor(
      () => probe.drain(queue),
      (m) => m.length === 1,
    );
    expect(JSON.parse(again.content.toString())).toEqual(event);
    expect(await rows()).toEqual([]);
  });

  it('keeps no event of a known type that no service consumes: only versions no one knows', async () => {
    const deadLetters = keeper({ keepDlq: false, keepUnroutable: true });
    const known = customerCreated();
    const unknown = { ...customerCreated(), type: 'customers.customer.created.v9' };
    await deadLetters.ready();

    // In this order: once the unknown one is kept, the known one before it was seen.
    await probe.publish(exchange, known.type, known, known.eventId);
    await probe.publish(exchange, unknown.type, unknown, unknown.eventId);
    await waitFor(rows, (r) => r.length >= 1);
    await sleep(200);
    const kept = await database.dataSource.query<{ event_id: string; reason: string }[]>(
      `SELECT event_id, reason FROM "${SCHEMA}".dead_letters`,
    );
    expect(kept).toEqual([{ event_id: unknown.eventId, reason: 'unroutable' }]);
  });

  it('puts an unpublishable event back into the outbox when replayed', async () => {
    const deadLetters = keeper({ keepDlq: false });
    const event = customerCreated();
    await insertDeadLetter(database.dataSource, SCHEMA, {
      tenantId: event.tenantId,
      consumer: 'outbox-relay',
      reason: 'unpublishable',
      eventId: event.eventId,
      eventType: event.type,
      routingKey: event.type,
      lastError: 'Error: message nacked',
      attempts: 5,
      body: Buffer.from(JSON.stringify(event)),
      properties: {},
    });
    const [kept] = await rows();

    await deadLetters.replay(caller('admin', event.tenantId), kept.id);

    const outbox = await database.dataSource.query<{ event_id: string; envelope: unknown }[]>(
      `SELECT event_id, envelope FROM "${SCHEMA}".outbox`,
    );
    expect(outbox).toEqual([{ event_id: event.eventId, envelope: event }]);
    expect(await rows()).toEqual([]);
  });

  it('leaves a dead message in its queue while the table cannot take it, and keeps it once it can', async () => {
    await database.dataSource.query(
      `ALTER TABLE "${SCHEMA}".dead_letters RENAME TO dead_letters_away`,
    );
    try {
      await keeper({ retryMs: 200 }).ready();
      const dlq = `${service}.events.dlq`;
      probe.channel.sendToQueue(dlq, Buffer.from(JSON.stringify(customerCreated())), {
        persistent: true,
        headers: { 'x-kanta-dead-reason': 'handler-failed', 'x-kanta-attempts': 5 },
      });
      await probe.channel.waitForConfirms();
      await sleep(500);
      expect(
        await countRows(
          database.dataSource,
          `SELECT count(*) AS n FROM "${SCHEMA}".dead_letters_away`,
        ),
      ).toBe(0);
    } finally {
      await database.dataSource.query(
        `ALTER TABLE "${SCHEMA}".dead_letters_away RENAME TO dead_letters`,
      );
    }
    const [kept] = await waitFor(rows, (r) => r.length === 1);
    expect(kept).toMatchObject({ reason: 'handler-failed', attempts: 5 });
  });
});
