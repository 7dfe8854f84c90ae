import { randomUUID } from 'node:crypto';
import {
  CUSTOMER_CREATED_V1,
  OUTBOX_MARK_V1,
  PARTNER_BOOKING_CREATED_V1,
  type EventEnvelope,
} from '@kanta/contracts';
import {
  BrokerConnection,
  HEADERS,
  Outbox,
  OutboxRelay,
  writeOutboxMark,
  type MessagingLogger,
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
  startBrokerProxy,
  uniqueName,
  waitFor,
  type BrokerProbe,
  type MessagingDatabase,
} from './support';

const created = createdOutboxEvent;

jest.setTimeout(30_000);

describe('OutboxRelay', () => {
  let database: MessagingDatabase;
  let probe: BrokerProbe;
  let broker: BrokerConnection;
  let exchange: string;
  const outbox = new Outbox(SCHEMA, 'customers');
  const relays: OutboxRelay[] = [];

  const newRelay = (
    options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {},
  ): OutboxRelay => {
    const relay = new OutboxRelay({
      dataSource: database.dataSource,
      broker,
      schema: SCHEMA,
      eventsExchange: exchange,
      logger: silentLogger,
      ...options,
    });
    relays.push(relay);
    return relay;
  };

  const enqueue = (events: OutboxEvent[]): Promise<EventEnvelope[]> =>
    database.dataSource.transaction((manager) => outbox.enqueue(manager, events));

  const unpublished = (): Promise<number> =>
    countRows(
      database.dataSource,
      `SELECT count(*) AS n FROM "${SCHEMA}".outbox WHERE published_at IS NULL`,
    );

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
    database = await createMessagingDatabase('relay');
    probe = await openBrokerProbe();
    broker = brokerConnection('relay-test');
    await broker.waitForConnect();
  });

  beforeEach(async () => {
    exchange = uniqueName('events');
    // The relay declares the exchange itself; the probe needs it to exist to bind.
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

  it('publishes nothing for a transaction that rolled back', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    await expect(
      database.dataSource.transaction(async (manager) => {
        await outbox.enqueue(manager, [created('rolled-back')]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const [committed] = await enqueue([created('committed')]);
    newRelay().start();

    await waitFor(unpublished, (n) => n === 0);
    const messages = await waitFor(
      () => probe.drain(queue),
      (m) => m.length > 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    messages.push(...(await probe.drain(queue)));

    expect(messages.map((m) => String(m.properties.messageId))).toEqual([committed.eventId]);
    expect(
      await countRows(database.dataSource, `SELECT count(*) AS n FROM "${SCHEMA}".outbox`),
    ).toBe(1);
  });

  it('publishes a committed event once, persistent, with its id, type and correlation id, and marks it', async () => {
    const queue = await probe.bindProbeQueue(exchange, 'customers.customer.*.v1');
    newRelay().start();
    const [envelope] = await enqueue([created('42', 'corr-abc')]);

    await waitFor(unpublished, (n) => n === 0);
    const [message, ...more] = await waitFor(
      () => probe.drain(queue),
      (m) => m.length > 0,
    );

    expect(more).toHaveLength(0);
    expect(message.fields.routingKey).toBe(CUSTOMER_CREATED_V1);
    expect(message.properties).toMatchObject({
      messageId: envelope.eventId,
      deliveryMode: 2,
      contentType: 'application/json',
      correlationId: 'corr-abc',
      type: CUSTOMER_CREATED_V1,
      appId: 'customers',
    });
    expect(message.properties.headers).toMatchObject({ [HEADERS.correlationId]: 'corr-abc' });
    expect(JSON.parse(message.content.toString())).toEqual(envelope);
    const [row] = await database.dataSource.query<
      { published_at: Date | null; attempts: number; last_error: string | null }[]
    >(`SELECT published_at, attempts, last_error FROM "${SCHEMA}".outbox`);
    expect(row).toMatchObject({ attempts: 1, last_error: null });
    expect(row.published_at).toBeInstanceOf(Date);
  });

  it('deletes the rows of the types it forgets once they are confirmed, and keeps the others', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    newRelay({ forgetPublished: ['partner.'] }).start();
    const [kept] = await enqueue([created('kept')]);
    const [forgotten] = await enqueue([
      {
        type: PARTNER_BOOKING_CREATED_V1,
        tenantId: null,
        correlationId: null,
        payload: { bookingId: 'B-1' } as never,
      },
    ]);

    const messages = await waitFor(
      () => probe.drain(queue),
      (m) => m.length >= 2,
    );
    expect(messages.map((m) => String(m.properties.messageId)).sort()).toEqual(
      [kept.eventId, forgotten.eventId].sort(),
    );
    await waitFor(unpublished, (n) => n === 0);
    const rows = await database.dataSource.query<{ event_id: string }[]>(
      `SELECT event_id FROM "${SCHEMA}".outbox`,
    );
    expect(rows.map((r) => r.event_id)).toEqual([kept.eventId]);
  });

  it('wakes when a transaction that wrote to the outbox commits, not at the poll', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    newRelay({ pollIntervalMs: 60_000 }).start();
    // Let the first (empty) pass settle, so only the commit can wake it before the poll.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const started = Date.now();
    await enqueue([created('fast')]);
    await waitFor(
      () => probe.messageCount(queue),
      (n) => n === 1,
      { timeoutMs: 5000 },
    );

    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('marks events sent only after their confirms: published but unconfirmed, they stay unsent and go again', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    const proxy = await startBrokerProxy();
    const proxied = new BrokerConnection({
      url: proxy.url,
      name: 'relay-proxied',
      logger: silentLogger,
    });
    try {
      await proxied.waitForConnect();
      newRelay({
        broker: proxied,
        confirmTimeoutMs: 1000,
        backoff: { initialMs: 100, maxMs: 200 },
      }).start();
      await enqueue([created('through')]);
      await waitFor(unpublished, (n) => n === 0);
      await probe.drain(queue);

      proxy.holdReplies();
      const envelopes = await enqueue([created('held-1'), created('held-2'), created('held-3')]);
      // The broker has them (the probe queue does); their confirms are held back.
      await waitFor(
        () => probe.messageCount(queue),
        (n) => n === envelopes.length,
      );
      await waitFor(
        () =>
          database.dataSource.query<{ last_error: string | null }[]>(
            `SELECT last_error FROM "${SCHEMA}".outbox WHERE published_at IS NULL`,
          ),
        (rows) =>
          rows.length === 3 && rows.every((r) => r.last_error === 'no publisher confirm in time'),
      );

      proxy.release();
      await waitFor(unpublished, (n) => n === 0);
      const ids = (await probe.drain(queue)).map((m) => String(m.properties.messageId));
      // Published twice, at least once, never marked without a confirm.
      for (const envelope of envelopes) {
        expect(ids.filter((id) => id === envelope.eventId).length).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await Promise.all(relays.splice(0).map((relay) => relay.stop()));
      await proxied.close();
      await proxy.close();
    }
  });

  it('sets aside a row the broker or the client refuses, parks it as a dead letter after its refusals, and holds up none behind it', async () => {
    const queue = await probe.bindProbeQueue(exchange, 'customers.customer.created.v1');
    // A real refusal by the broker: every message of this type goes to a full queue that
    // rejects publishes, so the broker nacks it.
    const refusedType = 'customers.customer.updated.v1';
    const full = uniqueName('full');
    await probe.channel.assertQueue(full, {
      durable: false,
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await probe.channel.bindQueue(full, exchange, refusedType);
    const nacked = { ...created('nacked'), type: refusedType } as unknown as OutboxEvent;
    // And one the client cannot send: a correlation id longer than AMQP's short string.
    const unsendable = created('unsendable', 'c'.repeat(300));
    const good = Array.from({ length: 40 }, (_, i) => created(`g${i}`));
    const envelopes = await enqueue([nacked, ...good.slice(0, 20), unsendable, ...good.slice(20)]);
    const started = Date.now();
    newRelay({ maxRefusals: 3, refusalBackoff: { initialMs: 100, maxMs: 200 } }).start();

    await waitFor(
      () => probe.messageCount(queue),
      (n) => n === good.length,
    );
    const goodAt = Date.now() - started;
    const parked = await waitFor(
      () =>
        database.dataSource.query<
          {
            event_id: string;
            reason: string;
            attempts: number;
            last_error: string;
            consumer: string;
          }[]
        >(
          `SELECT event_id, reason, attempts, last_error, consumer FROM "${SCHEMA}".dead_letters ORDER BY event_id`,
        ),
      (rows) => rows.length === 2,
    );

    expect(goodAt).toBeLessThan(3000);
    expect(parked).toEqual(
      [
        { event_id: envelopes[0].eventId, last_error: 'Error: message nacked' },
        {
          event_id: envelopes[21].eventId,
          last_error: expect.stringContaining("Field 'correlationId' is the wrong type"),
        },
      ]
        .map((r) => ({ ...r, reason: 'unpublishable', attempts: 3, consumer: 'outbox-relay' }))
        .sort((a, b) => a.event_id.localeCompare(b.event_id)),
    );
    // Parked rows leave the outbox; the good ones are marked.
    expect(
      await countRows(database.dataSource, `SELECT count(*) AS n FROM "${SCHEMA}".outbox`),
    ).toBe(good.length);
    expect(await unpublished()).toBe(0);
    await probe.channel.deleteQueue(full);
  });

  it('sets aside a row larger than the broker takes (its max_message_size, 128 MiB here) and publishes the rows behind it at once', async () => {
    const queue = await probe.bindProbeQueue(exchange, 'customers.customer.created.v1');
    const before = await enqueue(Array.from({ length: 10 }, (_, i) => created(`b${i}`)));
    const [huge] = await enqueue([created('huge')]);
    // Made in the database: 129 MiB of customer number, one byte past what the broker accepts.
    await database.dataSource.query(
      `UPDATE "${SCHEMA}".outbox
          SET envelope = jsonb_set(envelope, '{payload,customerNumber}', to_jsonb(repeat('9', 129 * 1024 * 1024)))
        WHERE event_id = $1`,
      [huge.eventId],
    );
    const after = await enqueue(Array.from({ length: 10 }, (_, i) => created(`a${i}`)));
    const started = Date.now();
    newRelay({ refusalBackoff: { initialMs: 60_000, maxMs: 60_000 } }).start();

    await waitFor(
      () => probe.messageCount(queue),
      (n) => n === before.length + after.length,
      { timeoutMs: 60_000 },
    );
    const tookMs = Date.now() - started;
    const [row] = await waitFor(
      () =>
        database.dataSource.query<{ last_error: string; refusals: number; aside: boolean }[]>(
          `SELECT last_error, refusals, next_attempt_at IS NOT NULL AS aside
             FROM "${SCHEMA}".outbox WHERE published_at IS NULL`,
        ),
      (rows) => rows.length === 1 && rows[0].refusals === 1,
      { timeoutMs: 60_000 },
    );

    expect(row.aside).toBe(true);
    expect(row.last_error).toMatch(/message size|channel closed/i);
    // Not behind the refusal's 60 s backoff: the rows behind it went out before it would end
    // (reading and refusing 129 MiB alone takes 10–22 s on a loaded two-core machine).
    expect(tookMs).toBeLessThan(45_000);
    await database.dataSource.query(`DELETE FROM "${SCHEMA}".outbox WHERE event_id = $1`, [
      huge.eventId,
    ]);
  }, 90_000);

  it('keeps an event that no queue is bound for in the unroutable queue', async () => {
    newRelay().start();
    const [envelope] = await enqueue([created('nobody-listens')]);

    await waitFor(unpublished, (n) => n === 0);
    const [kept] = await waitFor(
      () => probe.drain(`${exchange}.unroutable`),
      (m) => m.length > 0,
    );

    expect(kept.properties.messageId).toBe(envelope.eventId);
    expect(kept.fields.routingKey).toBe(CUSTOMER_CREATED_V1);
  });

  it('publishes every event exactly once when two relays run against one outbox, in batches', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    const events = Array.from({ length: 1500 }, (_, i) => created(`n${i}`));
    const envelopes: EventEnvelope[] = [];
    for (let i = 0; i < events.length; i += 500)
      envelopes.push(...(await enqueue(events.slice(i, i + 500))));
    const first = newRelay({ batchSize: 100 });
    const second = newRelay({ batchSize: 100 });
    first.start();
    second.start();

    await waitFor(unpublished, (n) => n === 0);
    await waitFor(
      () => probe.messageCount(queue),
      (n) => n >= envelopes.length,
    );
    const ids = (await probe.drain(queue)).map((m) => String(m.properties.messageId));

    expect(ids).toHaveLength(envelopes.length);
    expect(new Set(ids)).toEqual(new Set(envelopes.map((e) => e.eventId)));
    expect(first.publishedCount + second.publishedCount).toBe(envelopes.length);
    expect(first.publishedCount).toBeGreaterThan(0);
    expect(second.publishedCount).toBeGreaterThan(0);
  });

  it('publishes in outbox order when a single relay runs one batch at a time', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    const envelopes = await enqueue(Array.from({ length: 300 }, (_, i) => created(`o${i}`)));
    newRelay({ batchSize: 64, concurrency: 1 }).start();

    await waitFor(
      () => probe.messageCount(queue),
      (n) => n === envelopes.length,
    );
    const ids = (await probe.drain(queue)).map((m) => String(m.properties.messageId));

    expect(ids).toEqual(envelopes.map((e) => e.eventId));
  });

  it('deletes published events past the retention and keeps the rest', async () => {
    const [old, recent, pending] = await enqueue([
      created('old'),
      created('recent'),
      created('pending'),
    ]);
    await database.dataSource.query(
      `UPDATE "${SCHEMA}".outbox SET published_at = now() - interval '8 days' WHERE event_id = $1`,
      [old.eventId],
    );
    await database.dataSource.query(
      `UPDATE "${SCHEMA}".outbox SET published_at = now() - interval '1 day' WHERE event_id = $1`,
      [recent.eventId],
    );
    const relay = newRelay({ retentionMs: 7 * 24 * 3600 * 1000 });

    const deleted = await relay.deleteExpired();

    const left = await database.dataSource.query<{ event_id: string }[]>(
      `SELECT event_id FROM "${SCHEMA}".outbox WHERE event_id = ANY($1::uuid[]) ORDER BY id`,
      [[old.eventId, recent.eventId, pending.eventId]],
    );
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(left.map((r) => r.event_id)).toEqual([recent.eventId, pending.eventId]);
  });

  it('gives up on rows that waited past the wait retention, naming the table, and keeps the rest', async () => {
    await database.dataSource.query(
      `CREATE TABLE "${SCHEMA}".waiting_halves (
         pair_id uuid NOT NULL, side text NOT NULL, waiting_since timestamptz NOT NULL,
         PRIMARY KEY (pair_id, side))`,
    );
    const stale = Array.from({ length: 3 }, () => randomUUID());
    const fresh = randomUUID();
    await database.dataSource.query(
      `INSERT INTO "${SCHEMA}".waiting_halves
       SELECT id, 'answer', now() - interval '31 days' FROM unnest($1::uuid[]) AS id
       UNION ALL SELECT $2, 'answer', now() - interval '29 days'`,
      [stale, fresh],
    );
    const warnings: unknown[] = [];
    const logger = Object.assign(Object.create(silentLogger) as MessagingLogger, {
      warn: (fields: unknown) => warnings.push(fields),
    });
    // Published rows are kept for good here (retention 0), however old: only the waiting ones go.
    const [kept] = await enqueue([created('kept-for-good')]);
    await database.dataSource.query(
      `UPDATE "${SCHEMA}".outbox SET published_at = now() - interval '400 days' WHERE event_id = $1`,
      [kept.eventId],
    );
    const relay = newRelay({
      retentionMs: 0,
      waiting: [{ table: 'waiting_halves', since: 'waiting_since' }],
      waitRetentionMs: 30 * 24 * 3600 * 1000,
      logger,
    });
    const published = await database.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM "${SCHEMA}".outbox WHERE published_at IS NOT NULL`,
    );

    expect(await relay.deleteExpired()).toBe(3);

    const left = await database.dataSource.query<{ pair_id: string }[]>(
      `SELECT pair_id FROM "${SCHEMA}".waiting_halves`,
    );
    expect(left.map((r) => r.pair_id)).toEqual([fresh]);
    expect(warnings).toEqual([{ table: `${SCHEMA}.waiting_halves`, deleted: 3 }]);
    expect(
      await database.dataSource.query<{ n: string }[]>(
        `SELECT count(*) AS n FROM "${SCHEMA}".outbox WHERE published_at IS NOT NULL`,
      ),
    ).toEqual(published);
    expect(Number(published[0].n)).toBeGreaterThanOrEqual(1);
  });

  it('deletes the dead letters no erasure can find (partner events, unreadable messages) after the wait retention, and keeps the rest', async () => {
    const letter = (eventType: string | null, days: number) => ({
      id: randomUUID(),
      eventType,
      days,
    });
    const letters = {
      oldPartner: letter('partner.booking.created.v1', 31),
      oldUnreadable: letter(null, 31),
      freshPartner: letter('partner.booking.created.v1', 29),
      oldOwn: letter('customers.customer.created.v1', 400),
    };
    for (const l of Object.values(letters)) {
      await database.dataSource.query(
        `INSERT INTO "${SCHEMA}".dead_letters (id, consumer, reason, event_id, event_type,
           routing_key, last_error, attempts, body, properties, dead_at)
         VALUES ($1, 'test', 'invalid-message', $1, $2, coalesce($2, 'x'), 'refused', 1, '\\x7b7d',
           '{}', now() - make_interval(days => $3))`,
        [l.id, l.eventType, l.days],
      );
    }
    const warnings: unknown[] = [];
    const logger = Object.assign(Object.create(silentLogger) as MessagingLogger, {
      warn: (fields: unknown) => warnings.push(fields),
    });
    const relay = newRelay({ retentionMs: 0, waitRetentionMs: 30 * 24 * 3600 * 1000, logger });

    expect(await relay.deleteExpired()).toBe(2);

    const left = await database.dataSource.query<{ id: string }[]>(
      `SELECT id FROM "${SCHEMA}".dead_letters WHERE id = ANY($1::uuid[])`,
      [Object.values(letters).map((l) => l.id)],
    );
    expect(left.map((r) => r.id).sort()).toEqual(
      [letters.freshPartner.id, letters.oldOwn.id].sort(),
    );
    expect(warnings).toEqual([{ table: `${SCHEMA}.dead_letters`, deleted: 2 }]);
  });

  it('finishes its batch and stops cleanly, leaving later events for the next start', async () => {
    const queue = await probe.bindProbeQueue(exchange, '#');
    const relay = newRelay();
    relay.start();
    await enqueue([created('before-stop')]);
    await waitFor(unpublished, (n) => n === 0);
    await relay.stop();

    await enqueue([created('after-stop')]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await unpublished()).toBe(1);

    newRelay().start();
    await waitFor(unpublished, (n) => n === 0);
    await waitFor(
      () => probe.messageCount(queue),
      (n) => n === 2,
    );
  });

  /*
   * Outbox marks (OUTBOX_MARK_V1): published only once every row written before them is, so
   * whoever receives a mark has received everything before it.
   */
  describe('outbox marks', () => {
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
      newRelay({ pollIntervalMs: 100 }).start();

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
      newRelay({ pollIntervalMs: 100 }).start();
      const messages = await received(queue, 3);
      expect(ids(messages.slice(0, 2))).toEqual(rows.map((row) => row.eventId));
      expect(messages[2].fields.routingKey).toBe(OUTBOX_MARK_V1);
    });
  });
});
