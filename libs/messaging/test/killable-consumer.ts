/**
 * A consumer in a process of its own, for tests that kill it with SIGKILL. Configured by the
 * JSON in KANTA_CHILD (see KillableConsumerConfig); prints `ready` once consuming, and, with
 * `stallAtAck`, prints `stalled` and stops dead when it is about to ack that many messages:
 * after their transaction committed, before the broker heard of it, the worst moment to die.
 */
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { CUSTOMER_CREATED_V1 } from '@kanta/contracts';
import { createServiceDataSource, type PostgresSettings } from '@kanta/database';
import { BrokerConnection, EventConsumer } from '@kanta/messaging';
import { AMQP_URL, SCHEMA, silentLogger, sleep } from './support';

export interface KillableConsumerConfig {
  settings: PostgresSettings;
  service: string;
  exchange: string;
  batchSize: number;
  /** As the replacement consumer has it: the retry queue's TTL is part of its declaration. */
  retryDelayMs: number;
  stallAtAck: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.KANTA_CHILD ?? '{}') as KillableConsumerConfig;
  const dataSource = createServiceDataSource({
    schema: SCHEMA,
    entities: [],
    migrations: [],
    settings: config.settings,
    poolSize: 4,
  });
  await dataSource.initialize();
  const broker = new BrokerConnection({ url: AMQP_URL, name: 'killable', logger: silentLogger });
  await broker.waitForConnect();

  // Every confirm channel's ack, the consumer's included: patched on their shared prototype.
  const sample = await broker.manager.connection!.createConfirmChannel();
  const prototype = Object.getPrototypeOf(sample) as Pick<ConfirmChannel, 'ack'>;
  await sample.close();
  const ack = prototype.ack;
  let acks = 0;
  prototype.ack = function (this: ConfirmChannel, message: ConsumeMessage, allUpTo?: boolean) {
    acks += 1;
    if (acks === config.stallAtAck) {
      process.stdout.write('stalled\n');
      // Blocks the event loop: neither this ack nor any write corked this turn leaves the process.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    }
    ack.call(this, message, allUpTo);
  };

  const consumer = new EventConsumer({
    dataSource,
    broker,
    schema: SCHEMA,
    service: config.service,
    eventsExchange: config.exchange,
    logger: silentLogger,
    batchSize: config.batchSize,
    retryDelayMs: config.retryDelayMs,
    prefetch: 10 * config.batchSize,
  }).onBatch(CUSTOMER_CREATED_V1, async (events, { manager }) => {
    await sleep(5);
    await manager.query(
      `INSERT INTO "${SCHEMA}".effects (event_id, consumer) SELECT unnest($1::uuid[]), $2`,
      [events.map((e) => e.eventId), config.service],
    );
  });
  await consumer.start();
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`killable consumer failed: ${String(error)}\n`);
  process.exit(1);
});
