import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CUSTOMER_CREATED_V1, CUSTOMER_UPDATED_V1 } from '@kanta/contracts';
import {
  EventConsumer,
  HEADERS,
  InvalidEventError,
  serviceQueueNames,
  type BrokerConnection,
  type EventConsumerOptions,
} from '@kanta/messaging';
import { spawnTsChild } from '@kanta/testing';
import type { KillableConsumerConfig } from './killable-consumer';
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

/**
 * A consumer test's world: a messaging database and a broker connection for the describe, a
 * fresh exchange and service name per test, consumers stopped and broker names deleted after it.
 */
function consumerHarness(label: string, defaults: Partial<EventConsumerOptions> = {}) {
  const h = {
    database: undefined as unknown as MessagingDatabase,
    probe: undefined as unknown as BrokerProbe,
    broker: undefined as unknown as BrokerConnection,
    exchange: '',
    service: '',
    consumers: [] as EventConsumer[],
    newConsumer(options: Partial<EventConsumerOptions> = {}): EventConsumer {
      const consumer = new EventConsumer({
        dataSource: h.database.dataSource,
        broker: h.broker,
        schema: SCHEMA,
        service: h.service,
        eventsExchange: h.exchange,
        logger: silentLogger,
        retryDelayMs: 100,
        maxAttempts: 3,
        ...defaults,
        ...options,
      });
      h.consumers.push(consumer);
      return consumer;
    },
    effects: (): Promise<number> =>
      countRows(h.database.dataSource, `SELECT count(*) AS n FROM "${SCHEMA}".effects`),
    /** Envelopes by their type; raw bytes as a customer.created that is not one. */
    async publishAll(events: object[]): Promise<void> {
      for (const event of events) {
        if (Buffer.isBuffer(event)) {
          h.probe.channel.publish(h.exchange, CUSTOMER_CREATED_V1, event, { persistent: true });
          continue;
        }
        const { type, eventId } = event as { type: string; eventId: string };
        h.probe.channel.publish(h.exchange, type, Buffer.from(JSON.stringify(event)), {
          persistent: true,
          messageId: eventId,
        });
      }
      await h.probe.channel.waitForConfirms();
    },
    /**
     * Publishes `count` events to a consumer in a child process that stops dead when about to ack
     * its 40th message (its transaction committed, the ack not sent), kills it with SIGKILL, lets
     * `replacement` finish: every event has its effect, none twice, though the broker hands the
     * replacement again what the dead one had committed.
     */
    async expectKillLosesNothing(
      batchSize: number,
      count: number,
      replacement: () => EventConsumer,
    ): Promise<void> {
      const stallAtAck = 40;
      const child = spawnTsChild(join(__dirname, 'killable-consumer.ts'), {
        KANTA_CHILD: JSON.stringify({
          settings: h.database.db.settings,
          service: h.service,
          exchange: h.exchange,
          batchSize,
          retryDelayMs: 100,
          stallAtAck,
        } satisfies KillableConsumerConfig),
      });
      try {
        await child.line('ready');
        await h.publishAll(
          Array.from({ length: count }, (_, i) => customerCreated({ customerNumber: `R${i}` })),
        );
        await child.line('stalled');
      } finally {
        await child.kill9();
      }
      const atKill = await h.effects();
      expect(atKill).toBeGreaterThanOrEqual(stallAtAck);
      expect(atKill).toBeLessThan(count);

      await replacement().start();
      await waitFor(h.effects, (n) => n >= count, { timeoutMs: 20_000 });
      await sleep(300);

      const rows = await h.database.dataSource.query<{ total: string; distinct_events: string }[]>(
        `SELECT count(*) AS total, count(DISTINCT event_id) AS distinct_events FROM "${SCHEMA}".effects`,
      );
      expect(rows[0]).toEqual({ total: String(count), distinct_events: String(count) });
    },
  };

  beforeAll(async () => {
    h.database = await createMessagingDatabase(label);
    h.probe = await openBrokerProbe();
    h.broker = brokerConnection(`${label}-test`);
    await h.broker.waitForConnect();
  });

  beforeEach(async () => {
    h.exchange = uniqueName('events');
    h.service = uniqueName('svc');
    await h.database.dataSource.query(`TRUNCATE "${SCHEMA}".effects, "${SCHEMA}".inbox`);
  });

  afterEach(async () => {
    await Promise.all(h.consumers.splice(0).map((consumer) => consumer.stop()));
    await h.probe.cleanup({ exchange: h.exchange, services: [h.service] });
  });

  afterAll(async () => {
    await h.broker.close();
    await h.probe.close();
    await h.database.close();
  });

  return h;
}

describe('EventConsumer', () => {
  const h = consumerHarness('consumer');
  const newConsumer = h.newConsumer;
  const effects = h.effects;

  const recordEffect = async (
    event: { eventId: string },
    { manager }: { manager: import('typeorm').EntityManager },
  ): Promise<void> => {
    await manager.query(`INSERT INTO "${SCHEMA}".effects (event_id, consumer) VALUES ($1, $2)`, [
      event.eventId,
      h.service,
    ]);
  };

  it('declares its queues, binds them by the registered types and hands the handler a typed, valid event', async () => {
    const seen: string[] = [];
    const consumer = newConsumer().on(CUSTOMER_CREATED_V1, async (event, context) => {
      // Typed from the contracts: no cast needed to reach the payload.
      seen.push(`${event.payload.customerNumber}/${event.payload.origin}/${context.attempt}`);
      await recordEffect(event, context);
    });
    await consumer.start();
    const event = customerCreated({ customerNumber: 'A-1', origin: 'kiosk' });

    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    await waitFor(effects, (n) => n === 1);

    expect(seen).toEqual(['A-1/kiosk/1']);
    const inbox = await h.database.dataSource.query<
      { event_id: string; consumer: string; event_type: string }[]
    >(`SELECT event_id, consumer, event_type FROM "${SCHEMA}".inbox`);
    expect(inbox).toEqual([
      { event_id: event.eventId, consumer: h.service, event_type: CUSTOMER_CREATED_V1 },
    ]);
    const names = serviceQueueNames(h.service);
    await expect(h.probe.messageCount(names.main)).resolves.toBe(0);
    await expect(h.probe.messageCount(names.retry)).resolves.toBe(0);
    await expect(h.probe.messageCount(names.dlq)).resolves.toBe(0);
  });

  it('has the effect of an event delivered twice only once, and acks the duplicate', async () => {
    const handled: string[] = [];
    const consumer = newConsumer().on(CUSTOMER_CREATED_V1, async (event, context) => {
      handled.push(event.eventId);
      await recordEffect(event, context);
    });
    await consumer.start();
    const event = customerCreated();

    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    await waitFor(effects, (n) => n === 1);
    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    await waitFor(
      () => h.probe.messageCount(consumer.queues.main),
      (n) => n === 0,
    );
    await sleep(300);

    expect(await effects()).toBe(1);
    expect(handled).toEqual([event.eventId]);
  });

  it("has the effect of two tenants' events that share an event id once each", async () => {
    const handled: string[] = [];
    const consumer = newConsumer().on(CUSTOMER_CREATED_V1, async (event, context) => {
      handled.push(event.tenantId ?? 'none');
      await recordEffect(event, context);
    });
    await consumer.start();
    const first = customerCreated();
    // Another tenant's producer derived the same id (a partner's booking number, say).
    const second = { ...customerCreated(), eventId: first.eventId };

    for (const event of [first, second, first, second]) {
      await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    }
    await waitFor(
      () => h.probe.messageCount(consumer.queues.main),
      (n) => n === 0,
    );
    await sleep(300);

    expect(handled.sort()).toEqual([first.tenantId, second.tenantId].sort());
    expect(await effects()).toBe(2);
  });

  it('runs concurrent duplicates of one event once', async () => {
    const consumer = newConsumer({ prefetch: 20 }).on(
      CUSTOMER_CREATED_V1,
      async (event, context) => {
        await recordEffect(event, context);
        await sleep(50);
      },
    );
    await consumer.start();
    const event = customerCreated();

    for (let i = 0; i < 10; i++)
      await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    await waitFor(
      () => h.probe.messageCount(consumer.queues.main),
      (n) => n === 0,
    );
    await sleep(500);

    expect(await effects()).toBe(1);
  });

  it('retries a failing handler after the delay and keeps nothing of the failed attempt', async () => {
    const attempts: number[] = [];
    const consumer = newConsumer().on(CUSTOMER_CREATED_V1, async (event, context) => {
      attempts.push(context.attempt);
      await recordEffect(event, context);
      if (context.attempt === 1) throw new Error('transient failure');
    });
    await consumer.start();
    const event = customerCreated();

    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    await waitFor(
      () => Promise.resolve(attempts.length),
      (n) => n === 2,
    );
    await waitFor(effects, (n) => n === 1);

    expect(attempts).toEqual([1, 2]);
    // The first attempt's effect and inbox row were rolled back with its transaction.
    expect(
      await countRows(h.database.dataSource, `SELECT count(*) AS n FROM "${SCHEMA}".inbox`),
    ).toBe(1);
    await expect(h.probe.messageCount(consumer.queues.dlq)).resolves.toBe(0);
  });

  it('dead-letters a message that always fails after the bounded attempts, with the reason, without blocking the messages behind it', async () => {
    const poison = customerCreated({ customerNumber: 'POISON' });
    const poisonAttempts: number[] = [];
    const handledAt = new Map<string, number>();
    const consumer = newConsumer({ maxAttempts: 3, retryDelayMs: 400, prefetch: 1 }).on(
      CUSTOMER_CREATED_V1,
      async (event, context) => {
        if (event.payload.customerNumber === 'POISON') {
          poisonAttempts.push(context.attempt);
          throw new Error('cannot handle this customer');
        }
        handledAt.set(event.eventId, Date.now());
        await recordEffect(event, context);
      },
    );
    await consumer.start();
    const good = Array.from({ length: 5 }, (_, i) => customerCreated({ customerNumber: `G${i}` }));

    const started = Date.now();
    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, poison, poison.eventId);
    for (const event of good)
      await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    const [dead] = await waitFor(
      () => h.probe.drain(consumer.queues.dlq),
      (m) => m.length > 0,
    );

    // Even with prefetch 1 the good ones did not wait for the poison message's retries.
    await waitFor(effects, (n) => n === good.length);
    expect(Math.max(...handledAt.values()) - started).toBeLessThan(400);
    expect(poisonAttempts).toEqual([1, 2, 3]);
    expect(dead.properties.messageId).toBe(poison.eventId);
    expect(JSON.parse(dead.content.toString())).toEqual(poison);
    expect(dead.properties.headers).toMatchObject({
      [HEADERS.deadReason]: 'handler-failed',
      [HEADERS.attempts]: 3,
      [HEADERS.originalRoutingKey]: CUSTOMER_CREATED_V1,
      [HEADERS.consumer]: h.service,
      [HEADERS.lastError]: 'Error: cannot handle this customer',
    });
    expect(dead.properties.headers?.['x-death']).toBeUndefined();
    await expect(h.probe.messageCount(consumer.queues.retry)).resolves.toBe(0);
    await expect(h.probe.messageCount(consumer.queues.main)).resolves.toBe(0);
  });

  it('dead-letters an invalid message at once with the validation reason, never calling the handler', async () => {
    let called = 0;
    const consumer = newConsumer({ maxAttempts: 5 }).on(CUSTOMER_CREATED_V1, async () => {
      called += 1;
    });
    await consumer.start();
    const missingField = customerCreated();
    const { customerNumber: _dropped, ...payload } = missingField.payload;
    const invalid = { ...missingField, payload };

    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, invalid, invalid.eventId);
    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, Buffer.from('{not json'), 'garbage');
    const dead = await waitFor(
      () => h.probe.drain(consumer.queues.dlq),
      (m) => m.length === 2,
    );

    expect(called).toBe(0);
    const byId = new Map(dead.map((m) => [String(m.properties.messageId), m.properties.headers]));
    expect(byId.get(invalid.eventId)).toMatchObject({
      [HEADERS.deadReason]: 'invalid-message',
      [HEADERS.attempts]: 0,
      [HEADERS.originalRoutingKey]: CUSTOMER_CREATED_V1,
      [HEADERS.consumer]: h.service,
    });
    expect(String(byId.get(invalid.eventId)?.[HEADERS.lastError])).toContain(
      "must have required property 'customerNumber'",
    );
    expect(byId.get('garbage')).toMatchObject({
      [HEADERS.deadReason]: 'invalid-message',
      [HEADERS.lastError]: 'body is not JSON',
    });
  });

  it('dead-letters at once an event its handler calls invalid, with nothing of its effect kept', async () => {
    const told: string[] = [];
    let calls = 0;
    const consumer = newConsumer({ maxAttempts: 5 })
      .on(CUSTOMER_CREATED_V1, async (event, context) => {
        calls += 1;
        await recordEffect(event, context);
        if (event.payload.customerNumber === 'BAD') {
          throw new InvalidEventError('payload.consents.0.textId names no text of the tenant');
        }
      })
      .onInvalid(async (message) => {
        told.push(`${message.refusedBy}: ${message.reason}`);
      });
    await consumer.start();
    const bad = customerCreated({ customerNumber: 'BAD' });
    const good = customerCreated({ customerNumber: 'GOOD' });

    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, bad, bad.eventId);
    await h.probe.publish(h.exchange, CUSTOMER_CREATED_V1, good, good.eventId);
    const dead = await waitFor(
      () => h.probe.drain(consumer.queues.dlq),
      (m) => m.length === 1,
    );
    await waitFor(effects, (n) => n === 1);

    expect(calls).toBe(2);
    expect(dead[0].properties.messageId).toBe(bad.eventId);
    expect(dead[0].properties.headers).toMatchObject({
      [HEADERS.deadReason]: 'invalid-message',
      [HEADERS.attempts]: 0,
      [HEADERS.lastError]: 'payload.consents.0.textId names no text of the tenant',
    });
    expect(told).toEqual(['handler: payload.consents.0.textId names no text of the tenant']);
    const inbox = await h.database.dataSource.query<{ event_id: string }[]>(
      `SELECT event_id FROM "${SCHEMA}".inbox`,
    );
    expect(inbox).toEqual([{ event_id: good.eventId }]);
    await expect(h.probe.messageCount(consumer.queues.retry)).resolves.toBe(0);
  });

  it('runs every handler whose pattern matches, in one transaction', async () => {
    const calls: string[] = [];
    const consumer = newConsumer()
      .on(CUSTOMER_UPDATED_V1, async (event, context) => {
        calls.push(`exact:${event.payload.changedFields.join(',')}`);
        await recordEffect(event, context);
      })
      .onPattern('customers.customer.#', async (event) => {
        calls.push(`pattern:${event.type}`);
      });
    await consumer.start();
    const event = {
      ...customerCreated(),
      type: CUSTOMER_UPDATED_V1,
      payload: {
        customerId: randomUUID(),
        customerNumber: '7',
        status: 'active',
        stationIds: [],
        version: 2,
        changedFields: ['email'],
      },
    };

    await h.probe.publish(h.exchange, CUSTOMER_UPDATED_V1, event, event.eventId);
    await waitFor(effects, (n) => n === 1);

    expect(calls).toEqual(['exact:email', `pattern:${CUSTOMER_UPDATED_V1}`]);
  });

  it('loses nothing and repeats nothing when killed (SIGKILL) between a commit and its ack, and replaced by a new consumer', async () => {
    await h.expectKillLosesNothing(1, 300, () =>
      newConsumer({ prefetch: 10 }).on(CUSTOMER_CREATED_V1, recordEffect),
    );
  });
});

describe('EventConsumer in batch mode', () => {
  const h = consumerHarness('consumer-batch', { batchSize: 50 });
  const newConsumer = h.newConsumer;
  const effects = h.effects;

  /** One statement for the whole batch, as a set-based handler writes. */
  const recordEffects = async (
    events: { eventId: string }[],
    manager: import('typeorm').EntityManager,
  ): Promise<void> => {
    await manager.query(
      `INSERT INTO "${SCHEMA}".effects (event_id, consumer) SELECT unnest($1::uuid[]), $2`,
      [events.map((e) => e.eventId), h.service],
    );
  };

  /**
   * A first event whose batch is held until the rest has been published, so the rest arrives
   * while a batch runs and gathers into the next one, as a burst does in production.
   */
  interface Gate {
    event: ReturnType<typeof customerCreated>;
    /** Call first in the batch handler. */
    hold(events: { payload: { customerNumber: string } }[]): Promise<void>;
    /** Starts the consumer (if need be), lets the gate in, publishes `events`, then opens it. */
    run(consumer: EventConsumer, events: object[]): Promise<void>;
  }
  const gate = (label = 'GATE'): Gate => {
    let entered: () => void = () => undefined;
    let open: () => void = () => undefined;
    const isEntered = new Promise<void>((resolve) => (entered = resolve));
    const isOpen = new Promise<void>((resolve) => (open = resolve));
    const event = customerCreated({ customerNumber: label });
    return {
      event,
      async hold(events) {
        if (!events.some((e) => e.payload.customerNumber === label)) return;
        entered();
        await isOpen;
      },
      async run(consumer, events) {
        await consumer.start();
        await publishAll([event]);
        await isEntered;
        await publishAll(events);
        await sleep(200);
        open();
      },
    };
  };

  const publishAll = h.publishAll;

  it('hands the waiting messages to the batch handler together, in one transaction, each event once even when the batch holds it twice', async () => {
    const batches: number[] = [];
    const held = gate();
    const heldAgain = gate('GATE-2');
    const consumer = newConsumer().onBatch(CUSTOMER_CREATED_V1, async (events, { manager }) => {
      await held.hold(events);
      await heldAgain.hold(events);
      batches.push(events.length);
      await recordEffects(events, manager);
    });
    const events = Array.from({ length: 30 }, (_, i) =>
      customerCreated({ customerNumber: `B${i}` }),
    );
    const twice = events[7];
    const later = customerCreated({ customerNumber: 'LATER' });

    await held.run(consumer, [...events.slice(0, 20), twice, ...events.slice(20), twice]);
    await waitFor(effects, (n) => n === events.length + 1);
    // Once more in a later batch, beside a fresh event: skipped there by the inbox.
    await heldAgain.run(consumer, [twice, later]);
    await waitFor(effects, (n) => n === events.length + 3);
    await waitFor(
      () => h.probe.messageCount(consumer.queues.main),
      (n) => n === 0,
    );
    await sleep(300);

    expect(await effects()).toBe(events.length + 3);
    const perEvent = await h.database.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM "${SCHEMA}".effects WHERE event_id = $1`,
      [twice.eventId],
    );
    expect(perEvent[0].n).toBe('1');
    // The gate's batch, then the 32 messages that had gathered meanwhile: 30 events; the second
    // gate's, then its two messages: one event.
    expect(batches).toEqual([1, events.length, 1, 1]);
    expect(
      await countRows(h.database.dataSource, `SELECT count(*) AS n FROM "${SCHEMA}".inbox`),
    ).toBe(events.length + 3);
  });

  it("handles two tenants' events that share an event id in one batch, each once", async () => {
    const held = gate();
    const tenants: string[] = [];
    const consumer = newConsumer().onBatch(CUSTOMER_CREATED_V1, async (events, { manager }) => {
      await held.hold(events);
      tenants.push(...events.map((e) => e.tenantId ?? 'none'));
      await recordEffects(events, manager);
    });
    const first = customerCreated();
    const second = { ...customerCreated(), eventId: first.eventId };

    await held.run(consumer, [first, second, second, first]);
    await waitFor(effects, (n) => n === 3);
    await sleep(300);

    expect(tenants.sort()).toEqual([held.event.tenantId, first.tenantId, second.tenantId].sort());
    expect(await effects()).toBe(3);
  });

  it('skips an event of the batch whose inbox row was committed earlier', async () => {
    const held = gate();
    const consumer = newConsumer().onBatch(CUSTOMER_CREATED_V1, async (events, { manager }) => {
      await held.hold(events);
      await recordEffects(events, manager);
    });
    const seen = customerCreated();
    await h.database.dataSource.query(
      `INSERT INTO "${SCHEMA}".inbox (tenant_id, event_id, consumer, event_type)
       VALUES ($1, $2, $3, $4)`,
      [seen.tenantId, seen.eventId, h.service, CUSTOMER_CREATED_V1],
    );
    const fresh = Array.from({ length: 5 }, () => customerCreated());

    await held.run(consumer, [seen, ...fresh]);
    await waitFor(effects, (n) => n === fresh.length + 1);
    await sleep(300);

    const rows = await h.database.dataSource.query<{ event_id: string }[]>(
      `SELECT event_id FROM "${SCHEMA}".effects ORDER BY event_id`,
    );
    expect(rows.map((r) => r.event_id)).toEqual(
      [held.event, ...fresh].map((e) => e.eventId).sort(),
    );
  });

  it('handles a failed batch one by one: a poison message goes through retry to the DLQ alone, the others of its batch commit once', async () => {
    const poison = customerCreated({ customerNumber: 'POISON' });
    const calls: { size: number; attempt: number; poison: boolean }[] = [];
    const held = gate();
    const consumer = newConsumer({ maxAttempts: 3, retryDelayMs: 300 }).onBatch(
      CUSTOMER_CREATED_V1,
      async (events, { manager, attempt }) => {
        await held.hold(events);
        const hasPoison = events.some((e) => e.payload.customerNumber === 'POISON');
        calls.push({ size: events.length, attempt, poison: hasPoison });
        // Written first, so a rolled-back batch would show if anything of it stayed.
        await recordEffects(events, manager);
        if (hasPoison) throw new Error('cannot handle this customer');
      },
    );
    const good = Array.from({ length: 9 }, (_, i) => customerCreated({ customerNumber: `G${i}` }));

    await held.run(consumer, [good[0], good[1], poison, ...good.slice(2)]);
    const started = Date.now();
    await waitFor(effects, (n) => n === good.length + 1);
    const doneAt = Date.now();
    const [dead] = await waitFor(
      () => h.probe.drain(consumer.queues.dlq),
      (m) => m.length > 0,
    );
    await sleep(200);

    // The good ones did not wait for the poison message's retries.
    expect(doneAt - started).toBeLessThan(300);
    const rows = await h.database.dataSource.query<{ total: string; distinct_events: string }[]>(
      `SELECT count(*) AS total, count(DISTINCT event_id) AS distinct_events FROM "${SCHEMA}".effects`,
    );
    expect(rows[0]).toEqual({ total: '10', distinct_events: '10' });
    // After the gate: the batch (with the poison), each message alone, the two retries.
    expect(calls[1]).toMatchObject({ size: 10, poison: true });
    expect(calls.filter((c) => c.poison).map((c) => [c.size, c.attempt])).toEqual([
      [10, 1],
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    expect(dead.properties.messageId).toBe(poison.eventId);
    expect(dead.properties.headers).toMatchObject({
      [HEADERS.deadReason]: 'handler-failed',
      [HEADERS.attempts]: 3,
      [HEADERS.originalRoutingKey]: CUSTOMER_CREATED_V1,
      [HEADERS.lastError]: 'Error: cannot handle this customer',
    });
    await expect(h.probe.messageCount(consumer.queues.retry)).resolves.toBe(0);
    await expect(h.probe.messageCount(consumer.queues.main)).resolves.toBe(0);
  });

  it('tries a batch that lost a real deadlock again whole, rather than one event at a time', async () => {
    const { dataSource } = h.database;
    await dataSource.query(
      `CREATE TABLE IF NOT EXISTS "${SCHEMA}".locks (k text PRIMARY KEY);
       INSERT INTO "${SCHEMA}".locks VALUES ('a'), ('b') ON CONFLICT DO NOTHING`,
    );
    // Another transaction (a replica's batch) holds b and will want a.
    const other = dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    await other.query(`SELECT k FROM "${SCHEMA}".locks WHERE k = 'b' FOR UPDATE`);
    let holdsA: () => void = () => undefined;
    const aHeld = new Promise<void>((resolve) => (holdsA = resolve));
    const sizes: number[] = [];
    const held = gate('DEADLOCK');
    const consumer = newConsumer().onBatch(CUSTOMER_CREATED_V1, async (events, { manager }) => {
      await held.hold(events);
      sizes.push(events.length);
      await recordEffects(events, manager);
      // The gate's own event only lets the others gather.
      if (events.some((e) => e.payload.customerNumber === 'DEADLOCK')) return;
      // a, then b: the other transaction takes b, then a. This one waits first, so its
      // deadlock check runs first and PostgreSQL makes it the victim.
      await manager.query(`SELECT k FROM "${SCHEMA}".locks WHERE k = 'a' FOR UPDATE`);
      holdsA();
      await manager.query(`SELECT k FROM "${SCHEMA}".locks WHERE k = 'b' FOR UPDATE`);
    });
    const rest = Array.from({ length: 5 }, (_, i) => customerCreated({ customerNumber: `D${i}` }));
    const running = held.run(consumer, rest);
    await aHeld;
    await sleep(300);
    const otherDone = other
      .query(`SELECT k FROM "${SCHEMA}".locks WHERE k = 'a' FOR UPDATE`)
      .then(() => other.commitTransaction())
      .finally(() => other.release());
    await running;
    await otherDone;
    await waitFor(effects, (n) => n === rest.length + 1);
    await sleep(200);
    // The gate's own batch, then the batch of five that lost the deadlock, then the same five
    // again, whole: never one by one.
    expect(sizes.slice(1)).toEqual([rest.length, rest.length]);
    await expect(effects()).resolves.toBe(rest.length + 1);
  });

  it('dead-letters an invalid message of a batch at once, telling the listener, and handles the rest as a batch', async () => {
    const batches: number[] = [];
    const refused: string[] = [];
    const held = gate();
    const consumer = newConsumer()
      .onBatch(CUSTOMER_CREATED_V1, async (events, { manager }) => {
        await held.hold(events);
        batches.push(events.length);
        await recordEffects(events, manager);
      })
      .onInvalid(async ({ reason, refusedBy }) => {
        refused.push(`${refusedBy}: ${reason}`);
      });
    const good = Array.from({ length: 4 }, () => customerCreated());

    await held.run(consumer, [good[0], good[1], Buffer.from('{not json'), good[2], good[3]]);
    const dead = await waitFor(
      () => h.probe.drain(consumer.queues.dlq),
      (m) => m.length === 1,
    );
    await waitFor(effects, (n) => n === good.length + 1);

    expect(dead[0].properties.headers).toMatchObject({
      [HEADERS.deadReason]: 'invalid-message',
      [HEADERS.lastError]: 'body is not JSON',
    });
    expect(refused).toEqual(['validator: body is not JSON']);
    expect(batches).toEqual([1, 4]);
  });

  it('dead-letters at once an event a batch handler finds invalid, and commits the rest of the batch one by one', async () => {
    const held = gate();
    const told: string[] = [];
    const consumer = newConsumer()
      .onBatch(CUSTOMER_CREATED_V1, async (events, { manager }) => {
        await held.hold(events);
        if (events.some((e) => e.payload.customerNumber === 'BAD')) {
          throw new InvalidEventError('payload names no record of the tenant');
        }
        await recordEffects(events, manager);
      })
      .onInvalid(async (message) => {
        told.push(`${message.refusedBy}: ${message.reason}`);
      });
    const bad = customerCreated({ customerNumber: 'BAD' });
    const good = Array.from({ length: 3 }, () => customerCreated());

    await held.run(consumer, [good[0], bad, good[1], good[2]]);
    const dead = await waitFor(
      () => h.probe.drain(consumer.queues.dlq),
      (m) => m.length === 1,
    );
    await waitFor(effects, (n) => n === good.length + 1);

    expect(dead[0].properties.messageId).toBe(bad.eventId);
    expect(dead[0].properties.headers).toMatchObject({
      [HEADERS.deadReason]: 'invalid-message',
      [HEADERS.attempts]: 0,
      [HEADERS.lastError]: 'payload names no record of the tenant',
    });
    expect(told).toEqual(['handler: payload names no record of the tenant']);
    await expect(h.probe.messageCount(consumer.queues.retry)).resolves.toBe(0);
  });

  it('runs batch handlers and per-event handlers of a mixed batch in its one transaction', async () => {
    const transactions = new Set<string>();
    const calls: string[] = [];
    const held = gate();
    const txid = async (manager: import('typeorm').EntityManager): Promise<string> =>
      (await manager.query<{ id: string }[]>('SELECT txid_current()::text AS id'))[0].id;
    const consumer = newConsumer()
      .onBatch(CUSTOMER_CREATED_V1, async (events, { manager }) => {
        await held.hold(events);
        if (events[0].eventId === held.event.eventId) return;
        calls.push(`created x${events.length}`);
        transactions.add(await txid(manager));
        await recordEffects(events, manager);
      })
      .on(CUSTOMER_UPDATED_V1, async (event, { manager }) => {
        calls.push(`updated ${event.payload.customerNumber}`);
        transactions.add(await txid(manager));
        await recordEffects([event], manager);
      });
    const updated = (customerNumber: string): object => ({
      ...customerCreated(),
      type: CUSTOMER_UPDATED_V1,
      payload: {
        customerId: randomUUID(),
        customerNumber,
        status: 'active',
        stationIds: [],
        version: 2,
        changedFields: ['email'],
      },
    });

    await held.run(consumer, [customerCreated(), updated('U1'), customerCreated(), updated('U2')]);
    await waitFor(effects, (n) => n === 4);

    expect(calls).toEqual(['created x2', 'updated U1', 'updated U2']);
    expect(transactions.size).toBe(1);
  });

  it('loses nothing and repeats nothing when killed (SIGKILL) between a batch commit and its acks, and replaced by a new consumer', async () => {
    await h.expectKillLosesNothing(10, 600, () =>
      newConsumer({ batchSize: 10 }).onBatch(CUSTOMER_CREATED_V1, (events, { manager }) =>
        recordEffects(events, manager),
      ),
    );
  });
});
