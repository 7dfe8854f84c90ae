import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import {
  ACCESS_RECORDED_V1,
  type AccessRecordedV1,
  type CallerContext,
  type EventEnvelope,
} from '@kanta/contracts';
import { eventuallyPasses } from '@kanta/testing';
import { DataSource } from 'typeorm';
import { AccessRecorder } from '../src/audit/access-recorder';
import { bootGateway, type Harness } from './gateway-harness';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/*
 * The gateway's side of the access audit: records buffered without I/O, flushed into the outbox
 * as one event per tenant when the batch is full or the interval has passed, and on shutdown.
 */
describe('the access recorder (real Postgres and RabbitMQ)', () => {
  let h: Harness;
  let recorder: AccessRecorder;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  const heard: EventEnvelope<AccessRecordedV1>[] = [];

  const caller = (tenantId: string): CallerContext => ({
    tenant: { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'worker',
    stationIds: [],
    currentStationId: randomUUID(),
    correlationId: `req-${randomUUID()}`,
  });
  const heardOf = (tenantId: string) => heard.filter((e) => e.tenantId === tenantId);

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
    await channel.bindQueue(queue, h.config.eventsExchange, ACCESS_RECORDED_V1);
    await channel.consume(queue, (message) => {
      if (message) heard.push(JSON.parse(message.content.toString()) as never);
    });
  });

  afterAll(async () => {
    await broker?.close();
    await h?.close();
  });

  it('flushes a full batch at once, one event per tenant with who, role, station and request', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const reader = caller(a);
    const customers = [randomUUID(), randomUUID()];
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
    const [event] = heardOf(a);
    expect(event.type).toBe(ACCESS_RECORDED_V1);
    expect(event.payload.entries).toEqual([
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
    // Published, and gone from the outbox: the privacy service keeps the audit, not the gateway.
    await eventuallyPasses(async () =>
      expect(
        await h.db.query('SELECT 1 FROM gateway.outbox WHERE type = $1', [ACCESS_RECORDED_V1]),
      ).toHaveLength(0),
    );
  });

  it('keeps the records while the database refuses them, without a write per request, and flushes them after', async () => {
    const tenant = randomUUID();
    const reader = caller(tenant);
    const runtime = h.db.runtime('gateway').user;
    await h.db.query(`REVOKE INSERT ON gateway.outbox FROM ${runtime}`);
    const flush = jest.spyOn(recorder, 'flush');
    try {
      // The third fills a batch: one flush, which fails and keeps them.
      for (let i = 0; i < 3; i++) recorder.record(reader, 'view', [randomUUID()]);
      expect(flush).toHaveBeenCalledTimes(1);
      await flush.mock.results[0].value;
      // Requests after it record into the full buffer without trying the database each time.
      for (let i = 0; i < 5; i++) recorder.record(reader, 'view', [randomUUID()]);
      expect(flush).toHaveBeenCalledTimes(1);
    } finally {
      flush.mockRestore();
      await h.db.query(`GRANT INSERT ON gateway.outbox TO ${runtime}`);
    }
    await recorder.flush();
    await eventuallyPasses(
      () => {
        const entries = heardOf(tenant).flatMap((e) => e.payload.entries);
        expect(entries).toHaveLength(8);
        return Promise.resolve();
      },
      { timeoutMs: 3000 },
    );
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

  it('writes what is buffered into the outbox when the gateway shuts down', async () => {
    const tenant = randomUUID();
    const customer = randomUUID();
    recorder.record(caller(tenant), 'view', [customer]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heardOf(tenant)).toHaveLength(0);

    await h.gateway.app.close();
    h.gateway.close = () => Promise.resolve();
    // Published before the relay stopped, or in the outbox for the next start to publish.
    const kept = await h.db.query<{ envelope: EventEnvelope<AccessRecordedV1> }>(
      'SELECT envelope FROM gateway.outbox WHERE tenant_id = $1',
      [tenant],
    );
    const entries = [...heardOf(tenant), ...kept.map((row) => row.envelope)].flatMap(
      (event) => event.payload.entries,
    );
    expect(entries.map((entry) => entry.customerIds)).toEqual([[customer]]);
  });
});
