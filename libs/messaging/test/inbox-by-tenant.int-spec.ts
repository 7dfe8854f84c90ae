import { CUSTOMER_CREATED_V1 } from '@kanta/contracts';
import { EventConsumer, inboxByTenantUp, messagingTablesUp } from '@kanta/messaging';
import {
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
import type { BrokerConnection } from '@kanta/messaging';

jest.setTimeout(30_000);

/** A schema as it was before the inbox kept tenants, with rows the old consumer wrote. */
const LEGACY = 'msg_before_tenants';

describe('The inbox keyed by tenant, over rows recorded before', () => {
  let database: MessagingDatabase;
  let probe: BrokerProbe;
  let broker: BrokerConnection;
  const exchange = uniqueName('events');
  const service = uniqueName('svc');
  let consumer: EventConsumer;

  beforeAll(async () => {
    database = await createMessagingDatabase('inbox-by-tenant');
    probe = await openBrokerProbe();
    broker = brokerConnection('inbox-by-tenant-test');
    await broker.waitForConnect();
    const { dataSource } = database;
    await dataSource.query(`CREATE SCHEMA "${LEGACY}"`);
    for (const sql of messagingTablesUp(LEGACY)) await dataSource.query(sql);
    await dataSource.query(
      `CREATE TABLE "${LEGACY}".effects (event_id uuid NOT NULL, tenant_id uuid)`,
    );
  });

  afterAll(async () => {
    await consumer?.stop();
    await probe.cleanup({ exchange, services: [service] });
    await broker.close();
    await probe.close();
    await database.close();
  });

  it('still skips an event handled before the migration, and tells apart the tenants of an id first seen after it', async () => {
    const { dataSource } = database;
    const handledBefore = customerCreated();
    // As the consumer wrote it before the migration: no tenant.
    await dataSource.query(
      `INSERT INTO "${LEGACY}".inbox (event_id, consumer, event_type) VALUES ($1, $2, $3)`,
      [handledBefore.eventId, service, CUSTOMER_CREATED_V1],
    );
    for (const sql of inboxByTenantUp(LEGACY)) await dataSource.query(sql);

    consumer = new EventConsumer({
      dataSource,
      broker,
      schema: LEGACY,
      service,
      eventsExchange: exchange,
      logger: silentLogger,
    }).on(CUSTOMER_CREATED_V1, async (event, { manager }) => {
      await manager.query(`INSERT INTO "${LEGACY}".effects VALUES ($1, $2)`, [
        event.eventId,
        event.tenantId,
      ]);
    });
    await consumer.start();
    const fresh = customerCreated();
    const freshElsewhere = { ...customerCreated(), eventId: fresh.eventId };

    for (const event of [handledBefore, fresh, freshElsewhere, fresh]) {
      await probe.publish(exchange, CUSTOMER_CREATED_V1, event, event.eventId);
    }
    await waitFor(
      () => probe.messageCount(consumer.queues.main),
      (n) => n === 0,
    );
    await sleep(300);

    const effects = await dataSource.query<{ event_id: string; tenant_id: string }[]>(
      `SELECT event_id, tenant_id FROM "${LEGACY}".effects ORDER BY tenant_id`,
    );
    expect(effects).toEqual(
      [fresh, freshElsewhere]
        .map((e) => ({ event_id: e.eventId, tenant_id: e.tenantId }))
        .sort((a, b) => a.tenant_id!.localeCompare(b.tenant_id!)),
    );
    expect(
      await countRows(dataSource, `SELECT count(*) AS n FROM "${LEGACY}".inbox WHERE any_tenant`),
    ).toBe(1);
  });
});
