import { execFileSync } from 'node:child_process';
import { CUSTOMER_CREATED_V1 } from '@kanta/contracts';
import { EventConsumer, Outbox, OutboxRelay, type BrokerConnection } from '@kanta/messaging';
import {
  SCHEMA,
  brokerConnection,
  countRows,
  createMessagingDatabase,
  createdOutboxEvent,
  openBrokerProbe,
  silentLogger,
  sleep,
  uniqueName,
  waitFor,
  type BrokerProbe,
  type MessagingDatabase,
} from './support';

jest.setTimeout(120_000);

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', args, { stdio: 'ignore', timeout: 90_000 });
}

function startBroker(): void {
  rabbitmqctl('start_app');
  rabbitmqctl('await_startup');
}

/**
 * Stops the real RabbitMQ (stop_app), so this file runs alone after every other test
 * (scripts/run-tests.mjs, jest project "outage").
 */
describe('broker outage', () => {
  let database: MessagingDatabase;
  let broker: BrokerConnection;
  let relay: OutboxRelay;
  let consumer: EventConsumer;
  const exchange = uniqueName('events');
  const service = uniqueName('svc');
  const outbox = new Outbox(SCHEMA, 'customers');

  const enqueueCreated = (customerNumber: string): Promise<string> =>
    database.dataSource.transaction(async (manager) => {
      const [envelope] = await outbox.enqueue(manager, [createdOutboxEvent(customerNumber)]);
      return envelope.eventId;
    });

  const effectsOf = (eventId: string): Promise<number> =>
    countRows(
      database.dataSource,
      `SELECT count(*) AS n FROM "${SCHEMA}".effects WHERE event_id = $1`,
      [eventId],
    );

  beforeAll(async () => {
    startBroker();
    database = await createMessagingDatabase('outage');
    broker = brokerConnection('outage-test');
    await broker.waitForConnect();
    relay = new OutboxRelay({
      dataSource: database.dataSource,
      broker,
      schema: SCHEMA,
      eventsExchange: exchange,
      logger: silentLogger,
      pollIntervalMs: 1000,
      backoff: { initialMs: 200, maxMs: 2000 },
    });
    consumer = new EventConsumer({
      dataSource: database.dataSource,
      broker,
      schema: SCHEMA,
      service,
      eventsExchange: exchange,
      logger: silentLogger,
    }).on(CUSTOMER_CREATED_V1, async (event, { manager }) => {
      await manager.query(`INSERT INTO "${SCHEMA}".effects (event_id, consumer) VALUES ($1, $2)`, [
        event.eventId,
        service,
      ]);
    });
    await consumer.start();
    relay.start();
  });

  afterAll(async () => {
    // Whatever happened above, leave the broker running for everyone else.
    startBroker();
    await consumer?.stop();
    await relay?.stop();
    await broker?.close();
    let probe: BrokerProbe | undefined;
    try {
      probe = await openBrokerProbe();
      await probe.cleanup({ exchange, services: [service] });
    } finally {
      await probe?.close();
      await database?.close();
    }
  });

  it('publishes an event committed while RabbitMQ is stopped once it is back, exactly once', async () => {
    const before = await enqueueCreated('before-outage');
    await waitFor(
      () => effectsOf(before),
      (n) => n === 1,
    );

    rabbitmqctl('stop_app');
    await waitFor(
      () => Promise.resolve(broker.isConnected()),
      (up) => !up,
    );
    const during = await enqueueCreated('during-outage');

    // The relay keeps the row and records why, retrying with backoff.
    const [kept] = await waitFor(
      () =>
        database.dataSource.query<
          { published_at: Date | null; attempts: number; last_error: string | null }[]
        >(`SELECT published_at, attempts, last_error FROM "${SCHEMA}".outbox WHERE event_id = $1`, [
          during,
        ]),
      (rows) => (rows[0]?.attempts ?? 0) >= 2,
    );
    expect(kept.published_at).toBeNull();
    expect(kept.last_error).toEqual(expect.any(String));

    startBroker();
    await waitFor(
      () => effectsOf(during),
      (n) => n === 1,
      { timeoutMs: 60_000 },
    );
    await waitFor(
      () =>
        countRows(
          database.dataSource,
          `SELECT count(*) AS n FROM "${SCHEMA}".outbox WHERE published_at IS NULL`,
        ),
      (n) => n === 0,
    );
    // Give a duplicate, if there were one, time to arrive.
    await sleep(2000);

    expect(await effectsOf(during)).toBe(1);
    expect(await effectsOf(before)).toBe(1);
    const probe = await openBrokerProbe();
    try {
      await expect(probe.messageCount(consumer.queues.main)).resolves.toBe(0);
      await expect(probe.messageCount(consumer.queues.dlq)).resolves.toBe(0);
    } finally {
      await probe.close();
    }
  });
});
