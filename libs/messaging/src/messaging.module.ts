import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createLogger, readConfig, readInfrastructureConfig } from '@kanta/platform';
import { CommandLog } from './command-log';
import { BrokerConnection, type BrokerHealth, type MessagingLogger } from './broker-connection';
import { DeadLetters } from './dead-letters';
import { EventConsumer } from './event-consumer';
import { Outbox } from './outbox';
import { OutboxRelay, type WaitingTable } from './outbox-relay';

export interface MessagingModuleOptions {
  /** The service's name: producer of its events, base of its queue names, inbox consumer. */
  service: string;
  /** The Postgres schema the service owns, holding its `outbox` and `inbox` tables. */
  schema: string;
  /** Defaults: AMQP_URL / EVENTS_EXCHANGE through readInfrastructureConfig. */
  amqpUrl?: string;
  eventsExchange?: string;
  /** Prepended to the service's queue names; default EVENTS_QUEUE_PREFIX or empty. */
  queuePrefix?: string;
  /** `false` for a service that never publishes; otherwise relay tuning. */
  relay?:
    | false
    | {
        batchSize?: number;
        pollIntervalMs?: number;
        backoff?: { initialMs: number; maxMs: number };
        /** OutboxRelayOptions.forgetPublished. */
        forgetPublished?: string[];
      };
  consumer?: {
    prefetch?: number;
    /** Batch mode when > 1 (see EventConsumerOptions.batchSize); default EVENTS_BATCH_SIZE. */
    batchSize?: number;
    maxAttempts?: number;
    retryDelayMs?: number;
    stopTimeoutMs?: number;
  };
  /**
   * The service's tables of rows that wait for another event, cleaned up by the relay after
   * `EVENTS_WAIT_RETENTION_DAYS` (see OutboxRelayOptions.waiting).
   */
  waiting?: WaitingTable[];
  /**
   * The service handles write commands over RPC: provide its CommandLog (the `commands` table of
   * its schema, created by `commandLogTableV1Up`) and clean up the log's expired rows.
   */
  commandLog?: boolean;
  /**
   * Keep the events exchange's unroutable queue as dead letters (reason `unroutable`) in this
   * service's schema: one service does, the gateway.
   */
  keepUnroutable?: boolean;
  /** How long bootstrap waits for the broker before going on without it (it reconnects). */
  startupTimeoutMs?: number;
  logger?: MessagingLogger;
}

/** The options with every default filled in; injectable for diagnostics. */
export interface ResolvedMessagingOptions extends MessagingModuleOptions {
  amqpUrl: string;
  eventsExchange: string;
  queuePrefix: string;
  logger: MessagingLogger;
  waitRetentionMs: number;
}

export const MESSAGING_OPTIONS = Symbol('kanta.messaging.options');

export function resolveMessagingOptions(
  options: MessagingModuleOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedMessagingOptions {
  const infrastructure = readConfig(readInfrastructureConfig, env);
  return {
    ...options,
    amqpUrl: options.amqpUrl ?? infrastructure.amqpUrl,
    eventsExchange: options.eventsExchange ?? infrastructure.eventsExchange,
    queuePrefix: options.queuePrefix ?? infrastructure.eventsQueuePrefix,
    consumer: {
      ...options.consumer,
      batchSize: options.consumer?.batchSize ?? infrastructure.eventsBatchSize,
    },
    logger: options.logger ?? createLogger(`${options.service}.messaging`),
    waitRetentionMs: infrastructure.eventsWaitRetentionDays * 24 * 3600 * 1000,
  };
}

/** Broker status for the service's /health, in the shape @nestjs/terminus expects. */
@Injectable()
export class MessagingHealth {
  constructor(private readonly broker: BrokerConnection) {}

  check(): BrokerHealth {
    return this.broker.health();
  }

  /** Use in `health.check([() => messagingHealth.indicator()])`; `down` fails the check. */
  indicator(key = 'broker'): Record<string, BrokerHealth> {
    return { [key]: this.broker.health() };
  }
}

/**
 * Starts the relay and the consumer once every module is initialised (so every handler has been
 * registered in some `onModuleInit`), and stops them before the DataSource goes away: handlers
 * in flight still need their transaction. Needs `app.enableShutdownHooks()` in main.ts.
 */
@Injectable()
export class MessagingLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly broker: BrokerConnection,
    private readonly relay: OutboxRelay,
    private readonly consumer: EventConsumer,
    private readonly deadLetters: DeadLetters,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const timeout = this.options.startupTimeoutMs ?? 10_000;
    await this.broker.waitForConnect(timeout).catch(() => {
      this.options.logger.warn({ timeoutMs: timeout }, 'starting without the broker');
    });
    if (this.options.relay !== false) this.relay.start();
    if (this.consumer.patterns.length > 0) await this.consumer.start(timeout);
    this.deadLetters.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.deadLetters.stop();
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.broker.close();
  }
}

/**
 * The event backbone for one service. Import once in the service's root module, after
 * TypeOrmModule (the relay and consumer inject its `DataSource`):
 *
 *   MessagingModule.forRoot({ service: 'customers', schema: 'customers' })
 *
 * Global: `Outbox`, `EventConsumer` and `MessagingHealth` are injectable everywhere.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useFactory: () => resolveMessagingOptions(options) },
        {
          provide: BrokerConnection,
          inject: [MESSAGING_OPTIONS],
          useFactory: (o: ResolvedMessagingOptions) =>
            new BrokerConnection({ url: o.amqpUrl, name: o.service, logger: o.logger }),
        },
        { provide: Outbox, useValue: new Outbox(options.schema, options.service) },
        {
          provide: OutboxRelay,
          inject: [MESSAGING_OPTIONS, DataSource, BrokerConnection, Outbox],
          useFactory: (
            o: ResolvedMessagingOptions,
            dataSource: DataSource,
            broker: BrokerConnection,
            outbox: Outbox,
          ) => {
            const relay = new OutboxRelay({
              dataSource,
              broker,
              schema: o.schema,
              eventsExchange: o.eventsExchange,
              logger: o.logger,
              waiting: o.waiting,
              waitRetentionMs: o.waitRetentionMs,
              commandLog: o.commandLog,
              ...(o.relay === false ? {} : o.relay),
            });
            outbox.onCommitted(() => relay.wake());
            return relay;
          },
        },
        {
          provide: EventConsumer,
          inject: [MESSAGING_OPTIONS, DataSource, BrokerConnection],
          useFactory: (
            o: ResolvedMessagingOptions,
            dataSource: DataSource,
            broker: BrokerConnection,
          ) =>
            new EventConsumer({
              dataSource,
              broker,
              schema: o.schema,
              service: o.service,
              eventsExchange: o.eventsExchange,
              queuePrefix: o.queuePrefix,
              logger: o.logger,
              ...o.consumer,
            }),
        },
        {
          provide: CommandLog,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => new CommandLog(dataSource, options.schema),
        },
        {
          provide: DeadLetters,
          inject: [MESSAGING_OPTIONS, DataSource, BrokerConnection, EventConsumer],
          useFactory: (
            o: ResolvedMessagingOptions,
            dataSource: DataSource,
            broker: BrokerConnection,
            consumer: EventConsumer,
          ) =>
            new DeadLetters({
              dataSource,
              broker,
              schema: o.schema,
              service: o.service,
              eventsExchange: o.eventsExchange,
              queuePrefix: o.queuePrefix,
              logger: o.logger,
              // Read when it starts, after every handler has been registered.
              keepDlq: () => consumer.patterns.length > 0,
              keepUnroutable: o.keepUnroutable ?? false,
            }),
        },
        MessagingHealth,
        MessagingLifecycle,
      ],
      exports: [
        MESSAGING_OPTIONS,
        BrokerConnection,
        Outbox,
        OutboxRelay,
        EventConsumer,
        CommandLog,
        DeadLetters,
        MessagingHealth,
      ],
    };
  }
}
