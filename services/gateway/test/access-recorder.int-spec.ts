import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import pino from 'pino';
import {
  ACCESS_RECORDED_V2,
  decodeCustomerIds,
  type AccessRecordedV2,
  type CallerContext,
  type EventEnvelope,
} from '@kanta/contracts';
import {
  BrokerConnection,
  DirectEventPublisher,
  NO_CONFIRM,
  Outbox,
  OutboxRelay,
} from '@kanta/messaging';
import { eventuallyPasses } from '@kanta/testing';
import { DataSource } from 'typeorm';
import { AccessRecorder } from '../src/audit/access-recorder';
import type { GatewayConfig } from '../src/config';
import { GATEWAY_CONFIG } from '../src/core/tokens';
import { bootGateway, type Harness } from './gateway-harness';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** Nothing listens there: a broker that is down for whoever connects to it. */
const NO_BROKER_URL = 'amqp://guest:guest@127.0.0.1:1';

/** An entry of a compact flush as the privacy service reads it, its caller filled in. */
interface ReadEntry {
  id: string;
  at: string;
  action: string;
  userId: string;
  role: string;
  stationId: string | null;
  customerIds: string[];
  correlationId: string | null;
}

const entriesOf = (events: EventEnvelope<AccessRecordedV2>[]): ReadEntry[] =>
  events.flatMap(({ payload: { callers, entries } }) =>
    entries.map(({ caller, customers, ...entry }) => ({
      ...entry,
      ...callers[caller],
      customerIds: decodeCustomerIds(customers),
    })),
  );

/*
 * The gateway's side of the access audit: records buffered without I/O, flushed as one compact
 * event per tenant when the batch is full or the interval has passed, and on shutdown: published
 * straight to the broker with confirms, into the outbox (the relay publishes it) only when the
 * broker does not confirm it.
 */
describe('the access recorder (real Postgres and RabbitMQ)', () => {
  let h: Harness;
  let recorder: AccessRecorder;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  const heard: EventEnvelope<AccessRecordedV2>[] = [];

  const caller = (tenantId: string): CallerContext => ({
    tenant: { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'worker',
    stationIds: [],
    currentStationId: randomUUID(),
    correlationId: `req-${randomUUID()}`,
  });
  const heardOf = (tenantId: string) => heard.filter((e) => e.tenantId === tenantId);
  const outboxRowsOf = (tenantId: string) =>
    h.db.query<{ event_id: string; type: string; published_at: Date | null }>(
      'SELECT event_id, type, published_at FROM gateway.outbox WHERE tenant_id = $1',
      [tenantId],
    );
  const runtimeRole = () => h.db.runtime('gateway').user;

  /**
   * A recorder of the same gateway (its database, outbox and settings) whose broker is down:
   * nothing listens where it connects.
   */
  const recorderWithoutBroker = async (): Promise<{
    recorder: AccessRecorder;
    close: () => Promise<void>;
  }> => {
    const app = h.gateway.app;
    const down = new BrokerConnection({
      url: NO_BROKER_URL,
      name: 'access-no-broker',
      logger: pino({ level: 'silent' }),
      reconnectSeconds: 1,
    });
    const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
    const publisher = new DirectEventPublisher({
      broker: down,
      eventsExchange: config.eventsExchange,
      name: 'access-test',
    });
    const alone = new AccessRecorder(config, app.get(DataSource), app.get(Outbox), publisher);
    // Not onModuleInit: no timer, a flush only when the test asks or a batch fills.
    publisher.start();
    return {
      recorder: alone,
      close: async () => {
        await publisher.stop();
        await down.close();
      },
    };
  };

  beforeAll(async () => {
    // An interval no test waits for: a flush in these tests is a full batch or a shutdown.
    h = await bootGateway('access', {
      AUDIT_FLUSH_INTERVAL_MS: '10000',
      AUDIT_FLUSH_MAX_ENTRIES: '3',
    });
    recorder = h.gateway.app.get(AccessRecorder);
    broker = await connect(AMQP_URL);
    channel = await broker.createConfirmChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, h.config.eventsExchange, ACCESS_RECORDED_V2);
    await channel.consume(queue, (message) => {
      if (message) heard.push(JSON.parse(message.content.toString()) as never);
    });
  });

  afterAll(async () => {
    await broker?.close();
    await h?.close();
  });

  it('publishes a full batch at once straight to the broker, one compact event per tenant with who, role, station and request, writing nothing into the outbox', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const reader = caller(a);
    const customers = [randomUUID(), randomUUID()];
    // The outbox refuses the gateway's inserts: only a flush that skips it gets through.
    await h.db.query(`REVOKE INSERT ON gateway.outbox FROM ${runtimeRole()}`);
    try {
      recorder.record(reader, 'view', [customers[0]]);
      recorder.record(reader, 'search', customers);
      expect(heard).toHaveLength(0);
      recorder.record(caller(b), 'edit', [randomUUID()]);

      await eventuallyPasses(
        () => {
          expect(heardOf(a)).toHaveLength(1);
          expect(heardOf(b)).toHaveLength(1);
          return Promise.resolve();
        },
        { timeoutMs: 3000 },
      );
    } finally {
      await h.db.query(`GRANT INSERT ON gateway.outbox TO ${runtimeRole()}`);
    }
    const [event] = heardOf(a);
    expect(event.type).toBe(ACCESS_RECORDED_V2);
    // The caller once, both entries pointing at it.
    expect(event.payload.callers).toEqual([
      { userId: reader.userId, role: 'worker', stationId: reader.currentStationId },
    ]);
    expect(event.payload.entries.map((entry) => entry.caller)).toEqual([0, 0]);
    expect(entriesOf([event])).toEqual([
      expect.objectContaining({ action: 'view', customerIds: [customers[0]] }),
      {
        id: expect.any(String) as unknown,
        at: expect.any(String) as unknown,
        action: 'search',
        userId: reader.userId,
        role: 'worker',
        stationId: reader.currentStationId,
        customerIds: customers,
        correlationId: reader.correlationId,
      },
    ]);
    expect(await outboxRowsOf(a)).toEqual([]);
    expect(await outboxRowsOf(b)).toEqual([]);
  });

  it('writes a flush into the outbox when the broker is unavailable at flush time, and the relay publishes it, same event, once the broker takes it', async () => {
    const tenant = randomUUID();
    const reader = caller(tenant);
    const customer = randomUUID();
    const relay = h.gateway.app.get(OutboxRelay);
    const alone = await recorderWithoutBroker();
    // Held, so the row can be seen before it is published.
    await relay.stop();
    try {
      alone.recorder.record(reader, 'view', [customer]);
      await alone.recorder.flush();
      const [row] = await outboxRowsOf(tenant);
      expect(row).toEqual({
        event_id: expect.any(String) as unknown,
        type: ACCESS_RECORDED_V2,
        published_at: null,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(heardOf(tenant)).toHaveLength(0);

      relay.start();
      await eventuallyPasses(
        () => {
          expect(heardOf(tenant).map((event) => event.eventId)).toEqual([row.event_id]);
          return Promise.resolve();
        },
        { timeoutMs: 5000 },
      );
      expect(entriesOf(heardOf(tenant))).toEqual([
        expect.objectContaining({ action: 'view', userId: reader.userId, customerIds: [customer] }),
      ]);
    } finally {
      relay.start();
      await alone.close();
    }
  });

  it('writes a flush the broker did not confirm into the outbox under the same event id, so a copy that arrived after all is the same event', async () => {
    const tenant = randomUUID();
    const publisher = h.gateway.app.get(DirectEventPublisher);
    const relay = h.gateway.app.get(OutboxRelay);
    // Sent for real, its confirm "lost": what a confirm timeout after delivery looks like.
    const publish = jest
      .spyOn(publisher, 'publish')
      .mockImplementationOnce(async (envelopes) =>
        (await DirectEventPublisher.prototype.publish.call(publisher, envelopes)).map(
          () => NO_CONFIRM,
        ),
      );
    await relay.stop();
    try {
      for (let i = 0; i < 3; i++) recorder.record(caller(tenant), 'view', [randomUUID()]);
      await recorder.flush();
      expect(publish).toHaveBeenCalledTimes(1);
      await eventuallyPasses(() => {
        expect(heardOf(tenant)).toHaveLength(1);
        return Promise.resolve();
      });
      const [row] = await outboxRowsOf(tenant);
      expect(row).toEqual(
        expect.objectContaining({ event_id: heardOf(tenant)[0].eventId, published_at: null }),
      );
    } finally {
      publish.mockRestore();
      relay.start();
    }
    // The relay's copy: the same event again, which the privacy service's inbox takes once.
    await eventuallyPasses(
      () => {
        expect(heardOf(tenant)).toHaveLength(2);
        return Promise.resolve();
      },
      { timeoutMs: 5000 },
    );
    expect(new Set(heardOf(tenant).map((event) => event.eventId)).size).toBe(1);
  });

  it('keeps the records while neither the broker nor the database takes them, without a write per request, and flushes them after', async () => {
    const tenant = randomUUID();
    const reader = caller(tenant);
    const alone = await recorderWithoutBroker();
    await h.db.query(`REVOKE INSERT ON gateway.outbox FROM ${runtimeRole()}`);
    const flush = jest.spyOn(alone.recorder, 'flush');
    try {
      // The third fills a batch: one flush, which fails and keeps them.
      for (let i = 0; i < 3; i++) alone.recorder.record(reader, 'view', [randomUUID()]);
      expect(flush).toHaveBeenCalledTimes(1);
      await flush.mock.results[0].value;
      // Requests after it record into the full buffer without trying again each time.
      for (let i = 0; i < 5; i++) alone.recorder.record(reader, 'view', [randomUUID()]);
      expect(flush).toHaveBeenCalledTimes(1);
      expect(await outboxRowsOf(tenant)).toEqual([]);
    } finally {
      flush.mockRestore();
      await h.db.query(`GRANT INSERT ON gateway.outbox TO ${runtimeRole()}`);
    }
    try {
      // The database is back (the broker still not, for this recorder): into the outbox.
      await alone.recorder.flush();
      await eventuallyPasses(
        () => {
          expect(entriesOf(heardOf(tenant))).toHaveLength(8);
          return Promise.resolve();
        },
        { timeoutMs: 5000 },
      );
    } finally {
      await alone.close();
    }
  });

  it('keeps the outbox envelopes (a flush of 100 searches is 125 kB) lz4-compressed, not pglz', async () => {
    const db = h.gateway.app.get(DataSource);
    const [{ lz4 }] = await db.query<{ lz4: boolean }[]>(
      `SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings
        WHERE name = 'default_toast_compression'`,
    );
    const [column] = await db.query<{ compression: string; storage: string }[]>(
      `SELECT attcompression AS compression, attstorage AS storage FROM pg_attribute
        WHERE attrelid = 'gateway.outbox'::regclass AND attname = 'envelope'`,
    );
    // Without lz4 in the server: stored uncompressed.
    expect(column).toEqual(
      lz4 ? { compression: 'l', storage: 'x' } : { compression: '', storage: 'e' },
    );
  });

  it('records nothing for an answer that showed no customer', async () => {
    const tenant = randomUUID();
    recorder.record(caller(tenant), 'search', []);
    await recorder.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heardOf(tenant)).toHaveLength(0);
  });

  it('publishes what is buffered when the gateway shuts down', async () => {
    const tenant = randomUUID();
    const customer = randomUUID();
    recorder.record(caller(tenant), 'view', [customer]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heardOf(tenant)).toHaveLength(0);

    await h.gateway.app.close();
    h.gateway.close = () => Promise.resolve();
    // Published before the broker connection closed, or in the outbox for the next start.
    const kept = await h.db.query<{ envelope: EventEnvelope<AccessRecordedV2> }>(
      'SELECT envelope FROM gateway.outbox WHERE tenant_id = $1',
      [tenant],
    );
    const entries = entriesOf([...heardOf(tenant), ...kept.map((row) => row.envelope)]);
    expect(entries.map((entry) => entry.customerIds)).toEqual([[customer]]);
  });
});
