import { randomBytes, randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { DataSource } from 'typeorm';
import {
  CUSTOMER_CREATED_V1,
  type CallerContext,
  type EventPayloads,
  type EventType,
} from '@kanta/contracts';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import {
  createTestDatabase,
  deleteRedisKeys,
  eventuallyPasses,
  type TestDatabase,
} from '@kanta/testing';
import { AppModule } from '../src/app.module';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The privacy service on a database, broker names and a jobs prefix of its own, fed events the
 * way the other services publish them. `restart` closes the app and starts it again on the same
 * database, broker names and Redis prefix.
 */
export interface PrivacyHarness {
  app: INestApplication;
  dataSource: DataSource;
  db: TestDatabase;
  jobsPrefix: string;
  /** The prefix of this run's broker names (its queues, the export's command queues). */
  queuePrefix: string;
  tenantId: string;
  station: string;
  admin: CallerContext;
  worker: CallerContext;
  otherTenant: CallerContext;
  /** `occurredAt` (default now): the envelope's time, in the past to travel back in time. */
  publish<T extends EventType>(
    type: T,
    payload: EventPayloads[T],
    tenant?: string,
    occurredAt?: Date,
  ): Promise<void>;
  /** A customer the service has learnt, with its number. */
  knownCustomer(stationIds?: string[]): Promise<{ customerId: string; customerNumber: string }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivacy(
  label: string,
  options: {
    deletionSweepIntervalMs?: number;
    retentionSweepIntervalMs?: number;
    mergeAnswerWaitMs?: number;
    exportSweepIntervalMs?: number;
    exportRpcTimeoutMs?: number;
  } = {},
): Promise<PrivacyHarness> {
  const id = randomBytes(4).toString('hex');
  const exchange = `test.privacy.${id}.events`;
  const queuePrefix = `test.privacy.${id}.`;
  const jobsPrefix = `test:privacy:${id}:jobs`;
  // The command queues a data export asks, of this run only: no service answers them here.
  const exportSources = {
    customers: `${queuePrefix}kanta.rpc.customers`,
    vehicles: `${queuePrefix}kanta.rpc.vehicles`,
    consents: `${queuePrefix}kanta.rpc.consents`,
  };
  const db = await createTestDatabase(`privacy${label}`);
  const tenantId = randomUUID();
  const station = randomUUID();
  const otherStation = randomUUID();
  const admin: CallerContext = {
    tenant: { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [station, otherStation],
    currentStationId: station,
    correlationId: 'privacy-test',
  };
  const worker: CallerContext = {
    ...admin,
    userId: randomUUID(),
    role: 'worker',
    stationIds: [otherStation],
    currentStationId: otherStation,
  };
  const otherTenant: CallerContext = { ...admin, tenant: { ...admin.tenant!, id: randomUUID() } };

  const start = async (): Promise<INestApplication> => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          postgres: db.runtime('privacy'),
          amqpUrl: AMQP_URL,
          dbPoolSize: 4,
          customerWaitMs: 0,
          redisUrl: REDIS_URL,
          jobsPrefix,
          deletionSweepIntervalMs: options.deletionSweepIntervalMs,
          retentionSweepIntervalMs: options.retentionSweepIntervalMs,
          mergeAnswerWaitMs: options.mergeAnswerWaitMs,
          exportSweepIntervalMs: options.exportSweepIntervalMs,
          exportRpcTimeoutMs: options.exportRpcTimeoutMs,
          exportSources,
          messaging: { eventsExchange: exchange, queuePrefix },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  };

  const broker: ChannelModel = await connect(AMQP_URL);
  const channel: ConfirmChannel = await broker.createConfirmChannel();
  const harness: PrivacyHarness = {
    app: await start(),
    dataSource: undefined as unknown as DataSource,
    db,
    jobsPrefix,
    queuePrefix,
    tenantId,
    station,
    admin,
    worker,
    otherTenant,
    async publish(type, payload, tenant = tenantId, occurredAt = new Date()) {
      const eventId = randomUUID();
      const envelope = {
        eventId,
        type,
        occurredAt: occurredAt.toISOString(),
        tenantId: tenant,
        producer: 'test',
        correlationId: 'privacy-test',
        payload,
      };
      channel.publish(exchange, type, Buffer.from(JSON.stringify(envelope)), {
        persistent: true,
        contentType: 'application/json',
        messageId: eventId,
      });
      await channel.waitForConfirms();
    },
    async knownCustomer(stationIds = [station]) {
      const customerId = randomUUID();
      const customerNumber = String(Math.floor(Math.random() * 1e9));
      await harness.publish(CUSTOMER_CREATED_V1, {
        customerId,
        customerNumber,
        kind: 'person',
        status: 'active',
        origin: 'reception',
        stationIds,
        version: 1,
      });
      await eventuallyPasses(async () => {
        const rows = await harness.dataSource.query<unknown[]>(
          'SELECT 1 FROM privacy.known_customers WHERE customer_id = $1',
          [customerId],
        );
        expect(rows).toHaveLength(1);
      });
      return { customerId, customerNumber };
    },
    async restart() {
      await harness.app.close();
      harness.app = await start();
      harness.dataSource = harness.app.get(DataSource);
    },
    async close() {
      await harness.app?.close();
      await broker.close();
      await deleteBrokerObjects(
        AMQP_URL,
        systemBrokerNames({
          services: ['privacy'],
          eventsExchange: exchange,
          eventsQueuePrefix: queuePrefix,
          rpcQueues: Object.values(exportSources),
        }),
      );
      await deleteRedisKeys(`${jobsPrefix}:`);
      await db.drop();
    },
  };
  harness.dataSource = harness.app.get(DataSource);
  return harness;
}
