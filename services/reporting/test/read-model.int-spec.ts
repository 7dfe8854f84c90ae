import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { DataSource } from 'typeorm';
import {
  CONSENT_PREFERENCES_CHANGED_V1,
  CONSENT_RECORDED_V1,
  CUSTOMER_REPORTABLE_V1,
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  MERGE_COMPLETED_V1,
  MERGE_REQUESTED_V1,
  MERGE_UNDO_REQUESTED_V1,
  MERGE_UNDONE_V1,
  SALE_RECORDED_V1,
  STATION_NAMED_V1,
  VEHICLE_CREATED_V1,
  VISIT_RECORDED_V1,
  VISIT_UPDATED_V1,
  type CustomerReportableV1,
  type ErasureCompletedV1,
  type MergeCompletedV1,
  type MergeUndoneV1,
  type VisitEventV1,
} from '@kanta/contracts';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import {
  createTestDatabase,
  eventually,
  eventuallyPasses,
  type TestDatabase,
} from '@kanta/testing';
import { AppModule } from '../src/app.module';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/*
 * The reporting read model fed through the broker as the owners publish: cards from the
 * customers service's reporting stream, visits, vehicles and sales from the vehicles service,
 * decisions and preferences from the consents service; erasures and merges as the privacy
 * service asks them.
 */
describe('reporting service: the read model (real Postgres and RabbitMQ)', () => {
  const id = randomBytes(4).toString('hex');
  const exchange = `test.reporting.${id}.events`;
  const queuePrefix = `test.reporting.${id}.`;
  let db: TestDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  const tenantId = randomUUID();
  const station = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('reporting-read-model');
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          postgres: db.runtime('reporting'),
          amqpUrl: AMQP_URL,
          dbPoolSize: 4,
          messaging: { eventsExchange: exchange, queuePrefix },
          redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          jobsPrefix: `test:reporting:${id}:jobs`,
          reportsDir: join(tmpdir(), `kanta-reports-${id}`),
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
    await broker?.close();
    await deleteBrokerObjects(
      AMQP_URL,
      systemBrokerNames({
        services: ['reporting'],
        eventsExchange: exchange,
        eventsQueuePrefix: queuePrefix,
        rpcQueues: [],
      }),
    );
    await db?.drop();
  });

  const publish = async (
    type: string,
    payload: unknown,
    options: { eventId?: string; occurredAt?: string; tenant?: string } = {},
  ): Promise<string> => {
    const eventId = options.eventId ?? randomUUID();
    const envelope = {
      eventId,
      type,
      occurredAt: options.occurredAt ?? new Date().toISOString(),
      tenantId: options.tenant ?? tenantId,
      producer: type.split('.')[0],
      correlationId: 'reporting-test',
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

  const card = (
    customerId: string,
    version: number,
    extra: Partial<CustomerReportableV1> = {},
  ): CustomerReportableV1 => ({
    customerId,
    version,
    kind: 'person',
    status: 'active',
    customerNumber: `N${version}`,
    firstName: `Etu${version}`,
    lastName: `Suku${version}`,
    companyName: null,
    phone: '+358401234567',
    email: `v${version}@example.test`,
    street: 'Katu 1',
    postalCode: '00100',
    city: 'Helsinki',
    country: 'FI',
    notes: `Muistiinpano ${version}`,
    stationIds: [station],
    groupIds: [],
    regularOfUserId: null,
    leasingCompany: false,
    internal: false,
    createdAt: '2026-12-01T10:00:00.000Z',
    mergedInto: null,
    ...extra,
  });

  const cardRow = async (customerId: string) =>
    (
      await dataSource.query<Record<string, unknown>[]>(
        `SELECT version, status, customer_number, first_name, last_name, company_name, phone,
                email, street, postal_code, city, country, notes, merged_into
           FROM reporting.customers WHERE tenant_id = $1 AND customer_id = $2`,
        [tenantId, customerId],
      )
    )[0];

  /** A card event after the others proves the queue moved past them. */
  const drained = async (): Promise<void> => {
    const marker = randomUUID();
    await publish(CUSTOMER_REPORTABLE_V1, card(marker, 1));
    await eventuallyPasses(async () => expect(await cardRow(marker)).toBeDefined());
  };

  const visit = (
    customerId: string | null,
    version: number,
    extra: Partial<VisitEventV1> = {},
  ): VisitEventV1 => ({
    visitId: uuidv7(),
    stationId: station,
    customerId,
    vehicleId: null,
    kind: 'inspection',
    channel: 'walk_in',
    status: 'completed',
    scheduledAt: '2026-12-02T09:00:00.000Z',
    version,
    ...extra,
  });

  const sale = (customerId: string, totalMinor: number) => ({
    saleId: randomUUID(),
    stationId: station,
    customerId,
    visitId: null,
    soldAt: '2026-12-02T10:00:00.000Z',
    currency: 'EUR',
    totalMinor,
  });

  const facts = async (customerId: string) => ({
    visits: (
      await dataSource.query<Record<string, unknown>[]>(
        `SELECT visit_count::int AS count, last_visit_at, last_visit_plate
           FROM reporting.customer_visit_facts WHERE tenant_id = $1 AND customer_id = $2`,
        [tenantId, customerId],
      )
    )[0],
    sales: (
      await dataSource.query<Record<string, unknown>[]>(
        `SELECT sale_count::int AS count, total_minor::int AS total
           FROM reporting.customer_sales_facts WHERE tenant_id = $1 AND customer_id = $2`,
        [tenantId, customerId],
      )
    )[0],
  });

  describe('cards from the reporting stream', () => {
    it('keeps the reportable fields of the newest version, whatever order the versions come in', async () => {
      const customerId = randomUUID();
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 3, { lastName: 'Kolmas' }));
      await eventuallyPasses(async () => expect((await cardRow(customerId))?.version).toBe(3));
      // Older versions arriving late, and the same version again: nothing changes.
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 2, { lastName: 'Toinen' }));
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 3, { lastName: 'Uudestaan' }));
      await drained();
      expect(await cardRow(customerId)).toMatchObject({
        version: 3,
        last_name: 'Kolmas',
        street: 'Katu 1',
        postal_code: '00100',
        city: 'Helsinki',
      });
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 4, { lastName: 'Neljäs' }));
      await eventuallyPasses(async () =>
        expect(await cardRow(customerId)).toMatchObject({ version: 4, last_name: 'Neljäs' }),
      );
    });

    it('records when the tenant’s newest event happened, for the reports’ freshness', async () => {
      const tenant = randomUUID();
      const customerId = randomUUID();
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 1), {
        tenant,
        occurredAt: '2026-12-03T08:00:00.000Z',
      });
      // An older event applied later leaves the time at the newest.
      await publish(CUSTOMER_REPORTABLE_V1, card(randomUUID(), 1), {
        tenant,
        occurredAt: '2026-12-03T07:00:00.000Z',
      });
      await drained();
      const freshness = async () =>
        (
          await dataSource.query<{ last_event_at: Date }[]>(
            'SELECT max(last_event_at) AS last_event_at FROM reporting.freshness WHERE tenant_id = $1',
            [tenant],
          )
        )[0]?.last_event_at.toISOString();
      await eventuallyPasses(async () =>
        expect(await freshness()).toBe('2026-12-03T08:00:00.000Z'),
      );
    });
  });

  describe('visits, vehicles, sales, consents', () => {
    it('counts completed visits and names the last one’s date and plate, the newest version of each visit', async () => {
      const customerId = randomUUID();
      const vehicleId = randomUUID();
      await publish(VEHICLE_CREATED_V1, {
        vehicleId,
        registration: 'ABC123',
        vin: null,
        customers: [{ customerId, role: 'owner', isDefault: true }],
        version: 1,
      });
      const first = visit(customerId, 1, { scheduledAt: '2026-11-01T09:00:00.000Z' });
      const last = visit(customerId, 1, { vehicleId, scheduledAt: '2026-12-01T09:00:00.000Z' });
      const booked = visit(customerId, 1, { status: 'booked', channel: 'online_booking' });
      for (const v of [first, last, booked]) await publish(VISIT_RECORDED_V1, v);
      await eventuallyPasses(async () =>
        expect((await facts(customerId)).visits).toEqual({
          count: 2,
          last_visit_at: new Date('2026-12-01T09:00:00.000Z'),
          last_visit_plate: 'ABC123',
        }),
      );
      // The last visit cancelled (version 2), then its older version redelivered late.
      await publish(VISIT_UPDATED_V1, { ...last, status: 'cancelled', version: 2 });
      await publish(VISIT_UPDATED_V1, { ...last, version: 1 });
      await drained();
      await eventuallyPasses(async () =>
        expect((await facts(customerId)).visits).toEqual({
          count: 1,
          last_visit_at: new Date('2026-11-01T09:00:00.000Z'),
          last_visit_plate: null,
        }),
      );
    });

    it('sums the customer’s sales once, however often one is delivered', async () => {
      const customerId = randomUUID();
      const one = sale(customerId, 5990);
      const eventId = await publish(SALE_RECORDED_V1, one);
      await publish(SALE_RECORDED_V1, sale(customerId, 1000));
      await publish(SALE_RECORDED_V1, one); // another event of the same sale
      await publish(SALE_RECORDED_V1, one, { eventId }); // a redelivery
      await drained();
      await eventuallyPasses(async () =>
        expect((await facts(customerId)).sales).toEqual({ count: 2, total: 6990 }),
      );
    });

    it('keeps the newest decision per purpose (a merge undo’s “no decision” too) and whether the customer is blocked', async () => {
      const customerId = randomUUID();
      const entry = (decision: string | null, source = 'reception') => ({
        customerId,
        entryId: uuidv7(),
        purpose: 'marketing_email',
        decision,
        textId: null,
        textVersion: null,
        source,
        recordedAt: new Date().toISOString(),
      });
      const granted = entry('granted');
      const withdrawn = entry('withdrawn');
      const none = entry(null, 'merge_undo');
      await publish(CONSENT_RECORDED_V1, withdrawn);
      await publish(CONSENT_RECORDED_V1, granted); // older entry, later delivery
      await publish(CONSENT_PREFERENCES_CHANGED_V1, {
        customerId,
        blocked: true,
        preferredChannel: 'email',
        serviceNotifications: true,
        version: 2,
      });
      await publish(CONSENT_PREFERENCES_CHANGED_V1, {
        customerId,
        blocked: false,
        preferredChannel: 'sms',
        serviceNotifications: true,
        version: 1,
      });
      await drained();
      const decision = async () =>
        (
          await dataSource.query<{ decision: string | null }[]>(
            `SELECT decision FROM reporting.consents
              WHERE tenant_id = $1 AND customer_id = $2 AND purpose = 'marketing_email'`,
            [tenantId, customerId],
          )
        )[0]?.decision;
      await eventuallyPasses(async () => expect(await decision()).toBe('withdrawn'));
      expect(
        await dataSource.query(
          'SELECT blocked, preferred_channel FROM reporting.preferences WHERE customer_id = $1',
          [customerId],
        ),
      ).toEqual([{ blocked: true, preferred_channel: 'email' }]);
      await publish(CONSENT_RECORDED_V1, none);
      await drained();
      await eventuallyPasses(async () => expect(await decision()).toBeNull());
    });

    it('keeps the consent text each decision was given under, and completes a decision kept without one', async () => {
      const customerId = randomUUID();
      const textId = randomUUID();
      const olderEntryId = uuidv7();
      const entry = {
        customerId,
        entryId: uuidv7(),
        purpose: 'marketing_sms',
        decision: 'granted',
        textId,
        textVersion: 3,
        source: 'reception',
        recordedAt: new Date().toISOString(),
      };
      const text = async () =>
        (
          await dataSource.query<{ text_id: string | null; text_version: number | null }[]>(
            `SELECT text_id, text_version FROM reporting.consents
              WHERE tenant_id = $1 AND customer_id = $2 AND purpose = 'marketing_sms'`,
            [tenantId, customerId],
          )
        )[0];
      await publish(CONSENT_RECORDED_V1, entry);
      await drained();
      await eventuallyPasses(async () =>
        expect(await text()).toEqual({ text_id: textId, text_version: 3 }),
      );
      // A row kept before texts were (the migration's rows): the same entry again, as the
      // rebuild's page brings it, fills the text in; an older entry still changes nothing.
      await dataSource.query(
        `UPDATE reporting.consents SET text_id = NULL, text_version = NULL
          WHERE tenant_id = $1 AND customer_id = $2`,
        [tenantId, customerId],
      );
      await publish(CONSENT_RECORDED_V1, { ...entry, entryId: olderEntryId, textVersion: 1 });
      await drained();
      expect(await text()).toEqual({ text_id: null, text_version: null });
      await publish(CONSENT_RECORDED_V1, entry);
      await drained();
      await eventuallyPasses(async () =>
        expect(await text()).toEqual({ text_id: textId, text_version: 3 }),
      );
    });

    it('keeps a sale’s sums of services and products; one recorded without them takes them from a later delivery', async () => {
      const customerId = randomUUID();
      const { servicesMinor, productsMinor, ...unsplit } = {
        ...sale(customerId, 7000),
        servicesMinor: 5000,
        productsMinor: 2000,
      };
      const amounts = async () =>
        (
          await dataSource.query<Record<string, number | null>[]>(
            `SELECT total_minor::int AS total, services_minor::int AS services,
                    products_minor::int AS products
               FROM reporting.sales WHERE tenant_id = $1 AND sale_id = $2`,
            [tenantId, unsplit.saleId],
          )
        )[0];
      await publish(SALE_RECORDED_V1, unsplit);
      await drained();
      await eventuallyPasses(async () =>
        expect(await amounts()).toEqual({ total: 7000, services: null, products: null }),
      );
      // The sale again with its split (the rebuild's page): the split is taken, the total stays.
      await publish(SALE_RECORDED_V1, { ...unsplit, totalMinor: 1, servicesMinor, productsMinor });
      await drained();
      await eventuallyPasses(async () =>
        expect(await amounts()).toEqual({ total: 7000, services: 5000, products: 2000 }),
      );
      await publish(SALE_RECORDED_V1, { ...unsplit, servicesMinor: 1, productsMinor: 1 });
      await drained();
      expect(await amounts()).toEqual({ total: 7000, services: 5000, products: 2000 });
    });
  });

  describe('station names', () => {
    it('keeps the newest name of each station, whatever order the renames come in, per tenant', async () => {
      const stationId = randomUUID();
      const named = (name: string, version: number) => ({ stationId, name, version });
      await publish(STATION_NAMED_V1, named('Vallila', 1));
      await publish(STATION_NAMED_V1, named('Vallila Keskus', 3));
      await publish(STATION_NAMED_V1, named('Vallila Uusi', 2)); // older rename, later delivery
      const otherTenant = randomUUID();
      await publish(STATION_NAMED_V1, named('Toisen asema', 9), { tenant: otherTenant });
      await drained();
      const names = () =>
        dataSource.query<{ tenant_id: string; name: string; version: number }[]>(
          'SELECT tenant_id, name, version FROM reporting.stations WHERE station_id = $1 ORDER BY version',
          [stationId],
        );
      await eventuallyPasses(async () =>
        expect(await names()).toEqual([
          { tenant_id: tenantId, name: 'Vallila Keskus', version: 3 },
          { tenant_id: otherTenant, name: 'Toisen asema', version: 9 },
        ]),
      );
    });
  });

  describe('erasure', () => {
    const erasureAnswer = (erasureId: string) =>
      eventually(
        async () =>
          (
            await dataSource.query<{ payload: ErasureCompletedV1 }[]>(
              `SELECT envelope -> 'payload' AS payload FROM reporting.outbox
                WHERE type = $1 AND envelope -> 'payload' ->> 'erasureId' = $2`,
              [ERASURE_COMPLETED_V1, erasureId],
            )
          )[0]?.payload,
      );

    it('leaves an erased shell without a personal field, keeps visits and sales, drops decisions, and answers in counts', async () => {
      const customerId = randomUUID();
      const merged = randomUUID();
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 1));
      await publish(
        CUSTOMER_REPORTABLE_V1,
        card(merged, 1, { status: 'merged', mergedInto: customerId }),
      );
      await publish(VISIT_RECORDED_V1, visit(customerId, 1));
      await publish(SALE_RECORDED_V1, sale(customerId, 100));
      await publish(CONSENT_RECORDED_V1, {
        customerId,
        entryId: uuidv7(),
        purpose: 'marketing_sms',
        decision: 'granted',
        textId: null,
        textVersion: null,
        source: 'reception',
        recordedAt: new Date().toISOString(),
      });
      await drained();
      await eventuallyPasses(async () => expect((await facts(customerId)).sales).toBeDefined());

      const erasureId = randomUUID();
      await publish(ERASURE_REQUESTED_V1, {
        erasureId,
        customerId,
        requestedAt: new Date().toISOString(),
        mergedCustomerIds: [merged],
      });
      const answer = await erasureAnswer(erasureId);
      expect(answer).toMatchObject({
        participant: 'reporting',
        counts: { customers: 2, consents: 1, preferences: 0 },
      });
      const shell = {
        status: 'erased',
        first_name: null,
        last_name: null,
        company_name: null,
        phone: null,
        email: null,
        street: null,
        postal_code: null,
        city: null,
        country: null,
        notes: null,
      };
      expect(await cardRow(customerId)).toMatchObject({ ...shell, customer_number: 'N1' });
      expect(await cardRow(merged)).toMatchObject(shell);
      expect((await facts(customerId)).visits).toMatchObject({ count: 1 });
      expect((await facts(customerId)).sales).toEqual({ count: 1, total: 100 });
      expect(
        await dataSource.query('SELECT * FROM reporting.consents WHERE customer_id = $1', [
          customerId,
        ]),
      ).toEqual([]);
    });

    it('stays erased: an edit in flight brings nothing back, the card’s own erased shell is taken', async () => {
      const customerId = randomUUID();
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 1));
      await eventuallyPasses(async () => expect(await cardRow(customerId)).toBeDefined());
      const erasureId = randomUUID();
      await publish(ERASURE_REQUESTED_V1, {
        erasureId,
        customerId,
        requestedAt: new Date().toISOString(),
      });
      await erasureAnswer(erasureId);
      // An edit made just before the erasure, delivered after it, with a newer version.
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 2, { lastName: 'Myöhässä' }));
      await publish(CONSENT_RECORDED_V1, {
        customerId,
        entryId: uuidv7(),
        purpose: 'marketing_sms',
        decision: 'granted',
        textId: null,
        textVersion: null,
        source: 'reception',
        recordedAt: new Date().toISOString(),
      });
      await drained();
      expect(await cardRow(customerId)).toMatchObject({ status: 'erased', last_name: null });
      expect(
        await dataSource.query('SELECT * FROM reporting.consents WHERE customer_id = $1', [
          customerId,
        ]),
      ).toEqual([]);
      // The customers service's own erased version: the shell, with whatever it carries blanked.
      await publish(
        CUSTOMER_REPORTABLE_V1,
        card(customerId, 3, { status: 'erased', lastName: 'Tiedot pyyhitty' }),
      );
      await eventuallyPasses(async () =>
        expect(await cardRow(customerId)).toMatchObject({
          version: 3,
          status: 'erased',
          last_name: null,
          customer_number: 'N3',
        }),
      );
    });

    it('erases a customer it has not heard of yet: the card arriving later stays a shell', async () => {
      const customerId = randomUUID();
      const erasureId = randomUUID();
      await publish(ERASURE_REQUESTED_V1, {
        erasureId,
        customerId,
        requestedAt: new Date().toISOString(),
      });
      expect((await erasureAnswer(erasureId)).counts).toMatchObject({ customers: 0 });
      await publish(CUSTOMER_REPORTABLE_V1, card(customerId, 5));
      await drained();
      expect(await cardRow(customerId)).toMatchObject({
        version: 0,
        status: 'erased',
        email: null,
      });
    });
  });

  describe('merge', () => {
    const answer = <T>(type: string, mergeId: string): Promise<T> =>
      eventually(
        async () =>
          (
            await dataSource.query<{ payload: T }[]>(
              `SELECT envelope -> 'payload' AS payload FROM reporting.outbox
                WHERE type = $1 AND envelope -> 'payload' ->> 'mergeId' = $2 ORDER BY id`,
              [type, mergeId],
            )
          )[0]?.payload,
      );

    it('folds the duplicate’s visits and sales into the survivor, sends late ones there, and the undo moves back exactly what it moved', async () => {
      const survivorId = randomUUID();
      const duplicateId = randomUUID();
      await publish(VISIT_RECORDED_V1, visit(survivorId, 1));
      const dupVisits = [visit(duplicateId, 1), visit(duplicateId, 1)];
      for (const v of dupVisits) await publish(VISIT_RECORDED_V1, v);
      await publish(SALE_RECORDED_V1, sale(duplicateId, 5990));
      await publish(SALE_RECORDED_V1, sale(survivorId, 1000));
      await drained();
      await eventuallyPasses(async () =>
        expect((await facts(duplicateId)).sales).toEqual({ count: 1, total: 5990 }),
      );

      const merge = { mergeId: randomUUID(), survivorId, duplicateId };
      const requested = { ...merge, requestedAt: new Date().toISOString() };
      const eventId = await publish(MERGE_REQUESTED_V1, requested);
      const merged = await answer<MergeCompletedV1>(MERGE_COMPLETED_V1, merge.mergeId);
      expect(merged).toMatchObject({ participant: 'reporting', counts: { visits: 2, sales: 1 } });
      expect(await facts(survivorId)).toEqual({
        visits: expect.objectContaining({ count: 3 }),
        sales: { count: 2, total: 6990 },
      });
      expect(await facts(duplicateId)).toEqual({ visits: undefined, sales: undefined });
      // What it remembers: ids, no values.
      expect(
        await dataSource.query(
          'SELECT visit_ids, sale_ids FROM reporting.customer_merges WHERE merge_id = $1',
          [merge.mergeId],
        ),
      ).toEqual([
        {
          visit_ids: expect.arrayContaining(dupVisits.map((v) => v.visitId)),
          sale_ids: [expect.any(String)],
        },
      ]);

      // The same request again (redelivered, or sent again with a new id): nothing moves twice.
      await publish(MERGE_REQUESTED_V1, requested, { eventId });
      await publish(MERGE_REQUESTED_V1, requested);
      // A visit of the duplicate arriving late goes to the survivor, and stays there on undo.
      const late = visit(duplicateId, 1);
      await publish(VISIT_RECORDED_V1, late);
      await drained();
      await eventuallyPasses(async () =>
        expect((await facts(survivorId)).visits).toMatchObject({ count: 4 }),
      );

      await publish(MERGE_UNDO_REQUESTED_V1, { ...merge, requestedAt: new Date().toISOString() });
      const undone = await answer<MergeUndoneV1>(MERGE_UNDONE_V1, merge.mergeId);
      expect(undone).toMatchObject({ participant: 'reporting', counts: { visits: 2, sales: 1 } });
      expect(await facts(duplicateId)).toEqual({
        visits: expect.objectContaining({ count: 2 }),
        sales: { count: 1, total: 5990 },
      });
      expect(await facts(survivorId)).toEqual({
        visits: expect.objectContaining({ count: 2 }),
        sales: { count: 1, total: 1000 },
      });
      // Undone, the duplicate's own new visits are its own again.
      await publish(VISIT_RECORDED_V1, visit(duplicateId, 1));
      await eventuallyPasses(async () =>
        expect((await facts(duplicateId)).visits).toMatchObject({ count: 3 }),
      );
    });
  });
});
