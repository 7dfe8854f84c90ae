import {
  Injectable,
  Module,
  type INestApplicationContext,
  type OnModuleInit,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CUSTOMER_CREATED_V1 } from '@kanta/contracts';
import {
  EventConsumer,
  MessagingHealth,
  MessagingModule,
  Outbox,
  OutboxRelay,
} from '@kanta/messaging';
import {
  AMQP_URL,
  SCHEMA,
  countRows,
  createMessagingDatabase,
  openBrokerProbe,
  silentLogger,
  uniqueName,
  waitFor,
  type BrokerProbe,
  type MessagingDatabase,
} from './support';

jest.setTimeout(30_000);

/** What a service's consumer looks like: registers its handlers when its module initialises. */
@Injectable()
class CustomerProjection implements OnModuleInit {
  constructor(private readonly events: EventConsumer) {}

  onModuleInit(): void {
    this.events.on(CUSTOMER_CREATED_V1, async (event, { manager }) => {
      await manager.query(
        `INSERT INTO "${SCHEMA}".effects (event_id, consumer) VALUES ($1, 'module')`,
        [event.eventId],
      );
    });
  }
}

describe('MessagingModule', () => {
  let database: MessagingDatabase;
  let probe: BrokerProbe;
  let app: INestApplicationContext | undefined;
  const exchange = uniqueName('events');
  const service = uniqueName('svc');

  beforeAll(async () => {
    database = await createMessagingDatabase('module');
    probe = await openBrokerProbe();
    const { settings } = database.db;

    @Module({
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          host: settings.host,
          port: settings.port,
          username: settings.user,
          password: settings.password,
          database: settings.database,
          schema: SCHEMA,
          entities: [],
          synchronize: false,
        }),
        MessagingModule.forRoot({
          service,
          schema: SCHEMA,
          amqpUrl: AMQP_URL,
          eventsExchange: exchange,
          logger: silentLogger,
          consumer: { retryDelayMs: 100, maxAttempts: 2 },
        }),
      ],
      providers: [CustomerProjection],
    })
    class ServiceModule {}

    app = await NestFactory.createApplicationContext(ServiceModule, { logger: false });
    app.enableShutdownHooks();
  });

  afterAll(async () => {
    await app?.close();
    await probe.cleanup({ exchange, services: [service] });
    await probe.close();
    await database.close();
  });

  it('relays an event written through the Outbox to the handler registered by the service, once', async () => {
    const outbox = app!.get(Outbox);
    const dataSource = app!.get(DataSource);
    const [envelope] = await dataSource.transaction((manager) =>
      outbox.enqueue(manager, [
        {
          type: CUSTOMER_CREATED_V1,
          tenantId: null,
          correlationId: 'corr-module',
          payload: {
            customerId: '0190e9a4-0000-7000-8000-000000000001',
            customerNumber: '1',
            kind: 'company',
            status: 'active',
            origin: 'api',
            stationIds: [],
            version: 1,
          },
        },
      ]),
    );

    await waitFor(
      () =>
        countRows(dataSource, `SELECT count(*) AS n FROM "${SCHEMA}".effects WHERE event_id = $1`, [
          envelope.eventId,
        ]),
      (n) => n === 1,
    );
    const [row] = await dataSource.query<{ producer: string }[]>(
      `SELECT envelope->>'producer' AS producer FROM "${SCHEMA}".outbox WHERE published_at IS NOT NULL`,
    );
    expect(row).toEqual({ producer: service });
    expect(app!.get(OutboxRelay).running).toBe(true);
  });

  it('reports the broker as up for /health while connected and down after shutdown', async () => {
    const health = app!.get(MessagingHealth);
    expect(health.indicator()).toEqual({ broker: { status: 'up' } });

    await app!.close();

    expect(health.check()).toEqual({ status: 'down' });
    expect(app!.get(OutboxRelay).running).toBe(false);
    app = undefined;
  });
});
