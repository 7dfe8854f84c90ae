import { randomUUID } from 'node:crypto';
import { OUTBOX_MARK_V1, type EventEnvelope } from '@kanta/contracts';
import {
  BrokerConnection,
  Outbox,
  OutboxRelay,
  writeOutboxMark,
  type OutboxEvent,
} from '@kanta/messaging';
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

jest.setTimeout(30_000);

/*
 * Outbox marks (libs/contracts OUTBOX_MARK_V1): the relay publishes a mark only once every row
 * written before it is published, so whoever receives the mark has received everything before.
 */
describe('OutboxRelay and outbox marks', () => {
  let database: MessagingDatabase;
  let probe: BrokerProbe;
  let broker: BrokerConnection;
  let exchange: string;
  const outbox = new Outbox(SCHEMA, 'customers');
  const relays: OutboxRelay[] = [];

  const newRelay = (): OutboxRelay => {
    const relay = new OutboxRelay({
      dataSource: database.dataSource,
      broker,
      schema: SCHEMA,
      eventsExchange: exchange,
      logger: silentLogger,
      pollIntervalMs: 100,
    });
    relays.push(relay);
    return relay;
  };
  const enqueue = (events: OutboxEvent[]): Promise<EventEnvelope[]> =>
    database.dataSource.transaction((manager) => outbox.enqueue(manager, events));
  const mark = (markId: string) =>
    database.dataSource.transaction((manager) =>
      writeOutboxMark(
        manager,
        outbox,
        SCHEMA,
        { tenant: null, correlationId: 'outbox-mark-test' },
        markId,
      ),
    );
  /** The messages of the probe queue until there are `count` of them. */
  const received = async (queue: string, count: number) => {
    const messages: Awaited<ReturnType<BrokerProbe['drain']>> = [];
    await waitFor(
      async () => messages.push(...(await probe.drain(queue))),
      () => messages.length >= count,
    );
    return messages;
  };
  const ids = (messages: { properties: { messageId?: unknown } }[]) =>
    messages.map((m) => String(m.properties.messageId));

  beforeAll(async () => {
    database = await createMessagingDatabase('outboxmark');
    probe = await openBrokerProbe();
    broker = brokerConnection('outbox-mark-test');
    await broker.waitForConnect();
  });

  beforeEach(async () => {
    exchange = uniqueName('events');
    await probe.channel.assertExchange(`${exchange}.unroutable`, 'fanout', { durable: true });
    await probe.channel.assertExchange(exchange, 'topic', {
      durable: true,
      alternateExchange: `${exchange}.unroutable`,
    });
    await database.dataSource.query(`TRUNCATE "${SCHEMA}".outbox, "${SCHEMA}".dead_letters`);
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await probe.cleanup({ exchange });
  });

  afterAll(async () => {
    await broker.close();
    await probe.close();
    await database.close();
  });

  it('holds a mark back while a row before it is being published elsewhere, then sends it after that row', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    const [before] = await enqueue([createdOutboxEvent('before the mark')]);
    // Another relay instance's batch in flight: the row is locked, SKIP LOCKED passes it over.
    const elsewhere = database.dataSource.createQueryRunner();
    await elsewhere.startTransaction();
    await elsewhere.query(`SELECT id FROM "${SCHEMA}".outbox WHERE event_id = $1 FOR UPDATE`, [
      before.eventId,
    ]);
    const markId = randomUUID();
    expect(await mark(markId)).toEqual({ markId, pendingBefore: 1 });
    const [after] = await enqueue([createdOutboxEvent('after the mark')]);
    newRelay().start();

    const early = await received(queue, 1);
    await sleep(600);
    early.push(...(await probe.drain(queue)));
    // The row after the mark may go; the mark may not.
    expect(ids(early)).toEqual([after.eventId]);

    await elsewhere.commitTransaction();
    await elsewhere.release();
    const rest = await received(queue, 2);
    expect(rest.map((m) => m.fields.routingKey)).toEqual([before.type, OUTBOX_MARK_V1]);
    expect(JSON.parse(rest[1].content.toString())).toMatchObject({
      type: OUTBOX_MARK_V1,
      producer: 'customers',
      payload: { markId },
    });
    // A published mark is not kept.
    expect(
      await countRows(
        database.dataSource,
        `SELECT count(*) AS n FROM "${SCHEMA}".outbox WHERE type = '${OUTBOX_MARK_V1}'`,
      ),
    ).toBe(0);
  });

  it('sends a mark in the same batch as the rows before it, after them', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    const rows = await enqueue([createdOutboxEvent('one'), createdOutboxEvent('two')]);
    const markId = randomUUID();
    await mark(markId);
    newRelay().start();
    const messages = await received(queue, 3);
    expect(ids(messages.slice(0, 2))).toEqual(rows.map((row) => row.eventId));
    expect(messages[2].fields.routingKey).toBe(OUTBOX_MARK_V1);
  });
});
