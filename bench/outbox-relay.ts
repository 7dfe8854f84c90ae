/**
 * Outbox relay throughput beside its raw floor: the same messages published with plain amqplib
 * on a confirm channel, all at once, then one wait for every confirm (the fastest a client can
 * publish with confirms). Target: the relay reaches at least 50 % of raw.
 *
 *   npm run build && node dist/bench/outbox-relay.js [events=20000] [batchSize=500]
 *
 * Uses a scratch database, exchange and queue, all removed at the end. Not a test.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import pino from 'pino';
import { CUSTOMER_CREATED_V1 } from '@kanta/contracts';
import {
  bootstrapDatabase,
  createServiceDataSource,
  postgresSettingsFromEnv,
  quoteIdent,
} from '@kanta/database';
import {
  BrokerConnection,
  Outbox,
  OutboxRelay,
  eventPublishOptions,
  messagingTablesUp,
  type OutboxEvent,
} from '@kanta/messaging';
import { readConfig, readInfrastructureConfig } from '@kanta/platform';
import { Client } from 'pg';
import { runBench } from './support';

const SCHEMA = 'bench';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 20_000);
  const batchSize = Number(process.argv[3] ?? 1000);
  const concurrency = Number(process.argv[4] ?? 2);
  const { amqpUrl } = readConfig(readInfrastructureConfig);
  const suffix = randomBytes(4).toString('hex');
  const exchange = `bench.events.${suffix}`;
  const queue = `bench.sink.${suffix}`;
  const settings = { ...postgresSettingsFromEnv(), database: `kanta_bench_outbox_${suffix}` };
  const logger = pino({ level: 'warn' });

  await bootstrapDatabase(settings);
  const dataSource = createServiceDataSource({
    schema: SCHEMA,
    entities: [],
    migrations: [],
    settings,
    poolSize: 4,
  });
  await dataSource.initialize();
  const admin = await connect(amqpUrl);
  const setup = await admin.createChannel();
  const broker = new BrokerConnection({ url: amqpUrl, name: 'bench-outbox-relay', logger });
  try {
    await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const sql of messagingTablesUp(SCHEMA)) await dataSource.query(sql);
    await setup.assertExchange(`${exchange}.unroutable`, 'fanout', { durable: true });
    await setup.assertExchange(exchange, 'topic', {
      durable: true,
      alternateExchange: `${exchange}.unroutable`,
    });
    await setup.assertQueue(queue, { durable: true });
    await setup.bindQueue(queue, exchange, '#');

    process.stdout.write(`inserting ${total} events into ${settings.database}.${SCHEMA}.outbox… `);
    const outbox = new Outbox(SCHEMA, 'bench');
    for (let i = 0; i < total; i += 1000) {
      const events = Array.from({ length: Math.min(1000, total - i) }, (_, j) => event(i + j));
      await dataSource.transaction((manager) => outbox.enqueue(manager, events));
    }
    console.log('done');

    // Relay: from start to every row confirmed and marked published.
    await broker.waitForConnect();
    const relay = new OutboxRelay({
      dataSource,
      broker,
      schema: SCHEMA,
      eventsExchange: exchange,
      logger,
      batchSize,
      concurrency,
    });
    const relayStarted = process.hrtime.bigint();
    relay.start();
    while (relay.publishedCount < total) await sleep(2);
    const relaySeconds = Number(process.hrtime.bigint() - relayStarted) / 1e9;
    await relay.stop();
    const left = await dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM ${SCHEMA}.outbox WHERE published_at IS NULL`,
    );
    await setup.purgeQueue(queue);

    // Raw amqplib: the very same bodies and publish options, read into memory beforehand.
    const rows = await dataSource.query<
      { event_id: string; type: string; correlation_id: string | null; body: string }[]
    >(
      `SELECT event_id, type, envelope->>'correlationId' AS correlation_id, envelope::text AS body
         FROM ${SCHEMA}.outbox ORDER BY id`,
    );
    const messages = rows.map((r) => ({
      type: r.type,
      body: Buffer.from(r.body),
      options: eventPublishOptions({
        eventId: r.event_id,
        type: r.type,
        producer: 'bench',
        correlationId: r.correlation_id,
        body: Buffer.from(r.body),
      }),
    }));
    const raw = await admin.createConfirmChannel();
    const rawStarted = process.hrtime.bigint();
    for (const m of messages) {
      if (!raw.publish(exchange, m.type, m.body, m.options)) {
        await new Promise((resolve) => raw.once('drain', resolve));
      }
    }
    await raw.waitForConfirms();
    const rawSeconds = Number(process.hrtime.bigint() - rawStarted) / 1e9;
    await raw.close();

    const relayRate = total / relaySeconds;
    const rawRate = total / rawSeconds;
    console.log(
      `events:             ${total} (relay batch size ${batchSize}, concurrency ${concurrency})`,
    );
    console.log(
      `outbox relay:       ${relayRate.toFixed(0)} events/s (${relaySeconds.toFixed(2)} s, unpublished left: ${left[0]?.n})`,
    );
    console.log(`raw amqplib confirm: ${rawRate.toFixed(0)} events/s (${rawSeconds.toFixed(2)} s)`);
    console.log(
      `ratio:              ${((100 * relayRate) / rawRate).toFixed(0)} % of raw (target >= 50 %)`,
    );
  } finally {
    await broker.close();
    await setup.deleteQueue(queue).catch(() => undefined);
    await setup.deleteQueue(`${exchange}.unroutable`).catch(() => undefined);
    await setup.deleteExchange(exchange).catch(() => undefined);
    await setup.deleteExchange(`${exchange}.unroutable`).catch(() => undefined);
    await admin.close();
    await dataSource.destroy();
    const pg = new Client({ ...settings, database: 'postgres' });
    await pg.connect();
    await pg.query(`DROP DATABASE IF EXISTS ${quoteIdent(settings.database)} WITH (FORCE)`);
    await pg.end();
  }
}

function event(n: number): OutboxEvent {
  return {
    type: CUSTOMER_CREATED_V1,
    tenantId: randomUUID(),
    correlationId: randomUUID(),
    payload: {
      customerId: randomUUID(),
      customerNumber: String(100_000 + n),
      kind: 'person',
      status: 'active',
      origin: 'reception',
      stationIds: [randomUUID()],
      version: 1,
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

runBench(main);
