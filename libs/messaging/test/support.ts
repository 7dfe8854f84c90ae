import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { connect, type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { CUSTOMER_CREATED_V1, type EventEnvelope, type CustomerCreatedV1 } from '@kanta/contracts';
import { createServiceDataSource } from '@kanta/database';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';
import {
  BrokerConnection,
  eventTopologyNames,
  deadLettersUp,
  inboxByTenantUp,
  messagingTablesUp,
  serviceQueueNames,
  type MessagingLogger,
  type OutboxEvent,
} from '@kanta/messaging';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const SCHEMA = 'msgtest';

export const silentLogger: MessagingLogger = pino({
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
});

export function uniqueName(label: string): string {
  return `test.${label}.${randomBytes(4).toString('hex')}`;
}

/**
 * A database of the test file's own with a scratch schema holding the outbox and inbox tables
 * and an `effects` table that handlers write to, so tests can count what really happened.
 */
export interface MessagingDatabase {
  db: TestDatabase;
  dataSource: DataSource;
  close(): Promise<void>;
}

export async function createMessagingDatabase(label: string): Promise<MessagingDatabase> {
  const db = await createTestDatabase(label);
  const dataSource = createServiceDataSource({
    schema: SCHEMA,
    entities: [],
    migrations: [],
    settings: db.settings,
    poolSize: 12,
  });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA "${SCHEMA}"`);
  for (const sql of [
    ...messagingTablesUp(SCHEMA),
    ...inboxByTenantUp(SCHEMA),
    ...deadLettersUp(SCHEMA),
  ]) {
    await dataSource.query(sql);
  }
  await dataSource.query(
    `CREATE TABLE "${SCHEMA}".effects (
       id bigserial PRIMARY KEY,
       event_id uuid NOT NULL,
       consumer text NOT NULL,
       at timestamptz NOT NULL DEFAULT clock_timestamp()
     )`,
  );
  return {
    db,
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await db.drop();
    },
  };
}

/** A plain amqplib connection to look at queues and clean up, outside the code under test. */
export interface BrokerProbe {
  channel: ConfirmChannel;
  /** Declares a queue bound to the exchange by `pattern` (the exchange must exist). */
  bindProbeQueue(exchange: string, pattern: string): Promise<string>;
  /** Takes every message currently in the queue. */
  drain(queue: string): Promise<GetMessage[]>;
  messageCount(queue: string): Promise<number>;
  /** Publishes raw bytes as a producer would, bypassing the outbox. */
  publish(
    exchange: string,
    routingKey: string,
    body: Buffer | object,
    messageId?: string,
  ): Promise<void>;
  /** Deletes the events exchange, its unroutable pair, the service queues and probe queues. */
  cleanup(options: { exchange: string; services?: string[] }): Promise<void>;
  close(): Promise<void>;
}

export async function openBrokerProbe(): Promise<BrokerProbe> {
  const model: ChannelModel = await connect(AMQP_URL);
  const channel = await model.createConfirmChannel();
  const probes: string[] = [];
  return {
    channel,
    async bindProbeQueue(exchange, pattern) {
      const name = uniqueName('probe');
      await channel.assertQueue(name, { durable: false, autoDelete: false });
      await channel.bindQueue(name, exchange, pattern);
      probes.push(name);
      return name;
    },
    async drain(queue) {
      const messages: GetMessage[] = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (message === false) return messages;
        messages.push(message);
      }
    },
    async messageCount(queue) {
      return (await channel.checkQueue(queue)).messageCount;
    },
    async publish(exchange, routingKey, body, messageId) {
      const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      channel.publish(exchange, routingKey, content, {
        persistent: true,
        contentType: 'application/json',
        ...(messageId ? { messageId } : {}),
      });
      await channel.waitForConfirms();
    },
    async cleanup({ exchange, services = [] }) {
      const names = eventTopologyNames(exchange);
      const queues = [
        ...probes,
        names.unroutableQueue,
        ...services.flatMap((s): string[] => {
          const { main, retry, dlq } = serviceQueueNames(s);
          return [main, retry, dlq];
        }),
      ];
      for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
      await channel.deleteExchange(names.eventsExchange).catch(() => undefined);
      await channel.deleteExchange(names.unroutableExchange).catch(() => undefined);
    },
    async close() {
      await model.close().catch(() => undefined);
    },
  };
}

export function brokerConnection(name: string): BrokerConnection {
  return new BrokerConnection({ url: AMQP_URL, name, logger: silentLogger, reconnectSeconds: 1 });
}

export function customerCreated(
  overrides: Partial<CustomerCreatedV1> = {},
): EventEnvelope<CustomerCreatedV1, typeof CUSTOMER_CREATED_V1> {
  return {
    eventId: randomUUID(),
    type: CUSTOMER_CREATED_V1,
    occurredAt: new Date().toISOString(),
    tenantId: randomUUID(),
    producer: 'test',
    correlationId: `corr-${randomBytes(3).toString('hex')}`,
    payload: {
      customerId: randomUUID(),
      customerNumber: '1001',
      kind: 'person',
      status: 'active',
      origin: 'reception',
      stationIds: [randomUUID()],
      version: 1,
      ...overrides,
    },
  };
}

/** The same event as `customerCreated`, as a service hands it to `Outbox.enqueue`. */
export function createdOutboxEvent(
  customerNumber: string,
  correlationId: string | null = null,
): OutboxEvent<typeof CUSTOMER_CREATED_V1> {
  const { type, tenantId, payload } = customerCreated({ customerNumber, stationIds: [] });
  return { type, tenantId, correlationId, payload };
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`,
      );
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function countRows(
  dataSource: DataSource,
  sql: string,
  params: unknown[] = [],
): Promise<number> {
  const rows = await dataSource.query<{ n: string }[]>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/**
 * A TCP proxy in front of the broker that can hold back everything the broker sends (replies,
 * publisher confirms) while what the client sends still goes through: a connection whose
 * publishes arrive and whose confirms never do, without touching the shared broker.
 */
export interface BrokerProxy {
  url: string;
  holdReplies(): void;
  /** Sends on what was held and lets replies through again. */
  release(): void;
  close(): Promise<void>;
}

export async function startBrokerProxy(): Promise<BrokerProxy> {
  const target = new URL(AMQP_URL);
  let holding = false;
  const links: { toClient: Socket; held: Buffer[] }[] = [];
  const server = createServer((client) => {
    const broker = connectTcp(Number(target.port || 5672), target.hostname);
    const link = { toClient: client, held: [] as Buffer[] };
    links.push(link);
    client.on('data', (chunk) => broker.write(chunk));
    broker.on('data', (chunk) => (holding ? link.held.push(chunk) : client.write(chunk)));
    const end = (): void => {
      client.destroy();
      broker.destroy();
    };
    client.on('error', end).on('close', end);
    broker.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(AMQP_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    holdReplies: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const link of links) {
        for (const chunk of link.held.splice(0)) link.toClient.write(chunk);
      }
    },
    close: async () => {
      for (const link of links) link.toClient.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
