import { randomBytes, randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { DataSource } from 'typeorm';
import {
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  type CallerContext,
  type CustomerCreatedV1,
  type CustomerUpdatedV1,
} from '@kanta/contracts';
import { eventTopologyNames, serviceQueueNames } from '@kanta/messaging';
import { createTestDatabase, eventuallyPasses, type TestDatabase } from '@kanta/testing';
import { AppModule } from '../src/app.module';
import { ConsentLedger } from '../src/ledger/consent-ledger.service';
import { ConsentTextsService } from '../src/texts/consent-texts.service';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/*
 * The consents service on a database and broker names of its own, fed customer events the way
 * the customers service publishes them.
 */
describe('consents service (real Postgres and RabbitMQ)', () => {
  const id = randomBytes(4).toString('hex');
  const exchange = `test.consents.${id}.events`;
  const queuePrefix = `test.consents.${id}.`;
  let db: TestDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let broker: ChannelModel;
  let channel: ConfirmChannel;

  const tenantId = randomUUID();
  const station = randomUUID();
  const admin: CallerContext = {
    tenant: { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [station],
    currentStationId: station,
    correlationId: 'consents-test',
  };

  beforeAll(async () => {
    db = await createTestDatabase('consents');
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          postgres: db.settings,
          amqpUrl: AMQP_URL,
          dbPoolSize: 4,
          relay: false,
          customerWaitMs: 0,
          messaging: { eventsExchange: exchange, queuePrefix },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    dataSource = app.get(DataSource);
    broker = await connect(AMQP_URL);
    channel = await broker.createConfirmChannel();
  });

  afterAll(async () => {
    await app?.close();
    const { main, retry, dlq } = serviceQueueNames('consents', queuePrefix);
    for (const queue of [main, retry, dlq]) await channel.deleteQueue(queue).catch(() => undefined);
    const names = eventTopologyNames(exchange);
    await channel.deleteQueue(names.unroutableQueue).catch(() => undefined);
    await channel.deleteExchange(names.eventsExchange).catch(() => undefined);
    await channel.deleteExchange(names.unroutableExchange).catch(() => undefined);
    await broker?.close();
    await db?.drop();
  });

  const publish = async (
    type: string,
    payload: CustomerCreatedV1 | CustomerUpdatedV1,
    eventId: string = randomUUID(),
  ): Promise<string> => {
    const envelope = {
      eventId,
      type,
      occurredAt: new Date().toISOString(),
      tenantId,
      producer: 'customers',
      correlationId: 'consents-test',
      payload,
    };
    channel.publish(exchange, type, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      contentType: 'application/json',
      messageId: eventId,
    });
    await channel.waitForConfirms();
    return eventId;
  };

  const created = (
    customerId: string,
    extra: Partial<CustomerCreatedV1> = {},
  ): CustomerCreatedV1 => ({
    customerId,
    customerNumber: '1',
    kind: 'person',
    status: 'active',
    origin: 'reception',
    stationIds: [station],
    version: 1,
    hasEmail: true,
    hasPhone: false,
    ...extra,
  });

  const known = async (customerId: string) =>
    (
      await dataSource.query<{ version: number; has_email: boolean; has_phone: boolean }[]>(
        'SELECT version, has_email, has_phone FROM consents.customers WHERE customer_id = $1',
        [customerId],
      )
    )[0];

  const ledgerRows = (customerId: string) =>
    dataSource.query<{ id: string; purpose: string; decision: string }[]>(
      'SELECT id, purpose, decision FROM consents.ledger WHERE customer_id = $1 ORDER BY id',
      [customerId],
    );

  it('keeps the ledger append-only in the database itself', async () => {
    const text = await app.get(ConsentTextsService).publish(admin, {
      purpose: 'marketing_email',
      locale: 'fi',
      body: 'Tarjouksia sähköpostilla.',
    });
    const customerId = randomUUID();
    await publish(CUSTOMER_CREATED_V1, created(customerId));
    await eventuallyPasses(async () => expect(await known(customerId)).toBeDefined());
    await app.get(ConsentLedger).record(admin, customerId, {
      decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: text.text.id }],
    });
    const [entry] = await ledgerRows(customerId);

    for (const sql of [
      `UPDATE consents.ledger SET decision = 'withdrawn' WHERE id = '${entry.id}'`,
      `DELETE FROM consents.ledger WHERE id = '${entry.id}'`,
      'TRUNCATE consents.ledger',
      `UPDATE consents.consent_texts SET body = 'changed' WHERE id = '${text.text.id}'`,
      `DELETE FROM consents.consent_texts WHERE id = '${text.text.id}'`,
    ]) {
      await expect(dataSource.query(sql)).rejects.toThrow(/append-only/);
    }
    expect(await ledgerRows(customerId)).toEqual([
      { id: entry.id, purpose: 'marketing_email', decision: 'granted' },
    ]);

    // Only an erasure, which says so in its own transaction, may remove a customer's entries.
    await dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL consents.erasure = 'on'`);
      await manager.query('DELETE FROM consents.ledger WHERE customer_id = $1', [customerId]);
    });
    expect(await ledgerRows(customerId)).toEqual([]);
    await expect(
      dataSource.query(`UPDATE consents.consent_texts SET body = 'x' WHERE id = $1`, [
        text.text.id,
      ]),
    ).rejects.toThrow(/append-only/);
  });

  it('records consents given at creation once, however often the event is delivered', async () => {
    const text = await app.get(ConsentTextsService).publish(admin, {
      purpose: 'marketing_sms',
      locale: 'fi',
      body: 'Tekstiviestejä.',
    });
    const customerId = randomUUID();
    const payload = created(customerId, {
      consents: {
        source: 'reception',
        recordedBy: admin.userId,
        decisions: [{ purpose: 'marketing_sms', decision: 'granted', textId: text.text.id }],
      },
    });
    const eventId = await publish(CUSTOMER_CREATED_V1, payload);
    await publish(CUSTOMER_CREATED_V1, payload, eventId);
    await eventuallyPasses(async () => expect(await ledgerRows(customerId)).toHaveLength(1));
    // A later, different event for the same customer proves the queue moved past both copies.
    await publish(CUSTOMER_UPDATED_V1, {
      customerId,
      customerNumber: '1',
      status: 'active',
      stationIds: [station],
      version: 2,
      changedFields: ['phone'],
      hasEmail: true,
      hasPhone: true,
    });
    await eventuallyPasses(async () => expect((await known(customerId)).version).toBe(2));
    expect(await ledgerRows(customerId)).toHaveLength(1);
    const outbox = await dataSource.query<{ type: string }[]>(
      `SELECT type FROM consents.outbox WHERE envelope->'payload'->>'customerId' = $1`,
      [customerId],
    );
    expect(outbox.map((r) => r.type)).toEqual(['consents.consent.recorded.v1']);
  });

  it('never lets an older customer event overwrite a newer one', async () => {
    const customerId = randomUUID();
    const update = (version: number, hasPhone: boolean): CustomerUpdatedV1 => ({
      customerId,
      customerNumber: '1',
      status: 'active',
      stationIds: [station],
      version,
      changedFields: ['phone'],
      hasEmail: true,
      hasPhone,
    });
    await publish(CUSTOMER_UPDATED_V1, update(3, true));
    await eventuallyPasses(async () => expect((await known(customerId))?.version).toBe(3));
    await publish(CUSTOMER_CREATED_V1, created(customerId));
    await publish(CUSTOMER_UPDATED_V1, update(2, false));
    const marker = randomUUID();
    await publish(CUSTOMER_CREATED_V1, created(marker));
    await eventuallyPasses(async () => expect(await known(marker)).toBeDefined());
    expect(await known(customerId)).toEqual({ version: 3, has_email: true, has_phone: true });
  });
});
