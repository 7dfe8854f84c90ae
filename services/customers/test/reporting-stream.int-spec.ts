import { CUSTOMER_REPORTABLE_V1, type CustomerReportableV1 } from '@kanta/contracts';
import { createServiceDataSource } from '@kanta/database';
import { EventValidator } from '@kanta/messaging';
import { createTestDatabase } from '@kanta/testing';
import { customersSchema } from '../src/database/schema';
import { CustomerErasure } from '../src/erasure/customer-erasure';
import { startCustomers, tenantFixture, type CustomersHarness } from './support';

/*
 * The reporting stream (`customers.customer.reportable.v1`): one event per version of a card,
 * written in the statement that makes the version, whichever path writes it.
 */
describe('customers service: the reporting stream (real Postgres)', () => {
  let h: CustomersHarness;
  beforeAll(async () => {
    h = await startCustomers('reporting-stream');
  });
  afterAll(async () => {
    await h.close();
  });

  const reportable = async (customerId: string) =>
    (
      await h.dataSource.query<{ envelope: { payload: CustomerReportableV1 } }[]>(
        `SELECT envelope FROM customers.outbox
          WHERE type = $1 AND envelope -> 'payload' ->> 'customerId' = $2 ORDER BY id`,
        [CUSTOMER_REPORTABLE_V1, customerId],
      )
    ).map((r) => r.envelope.payload);

  it('publishes the reportable fields of each new version, valid by the event’s schema', async () => {
    const t = tenantFixture('FI');
    const { customer } = await h.customers.create(t.admin, {
      firstName: 'Raportti',
      lastName: 'Riikonen',
      phone: '040 765 4321',
      email: 'raportti@example.test',
      notes: 'Soita aamulla',
      addresses: [
        {
          type: 'home',
          street: 'Kotikatu 1',
          postalCode: '00100',
          city: 'Helsinki',
          country: 'FI',
        },
        { type: 'work', street: 'Työkatu 2', postalCode: '00200', city: 'Espoo', country: 'FI' },
      ],
    });
    await h.customers.update(t.admin, customer.id, customer.version, { lastName: 'Rinne' });

    const events = await reportable(customer.id);
    expect(events).toEqual([
      {
        customerId: customer.id,
        version: 1,
        kind: 'person',
        status: 'active',
        customerNumber: customer.customerNumber,
        firstName: 'Raportti',
        lastName: 'Riikonen',
        companyName: null,
        phone: '+358407654321',
        email: 'raportti@example.test',
        street: 'Kotikatu 1',
        postalCode: '00100',
        city: 'Helsinki',
        country: 'FI',
        notes: 'Soita aamulla',
        stationIds: [t.stationA],
        groupIds: [],
        regularOfUserId: null,
        leasingCompany: false,
        internal: false,
        createdAt: expect.any(String),
        mergedInto: null,
      },
      expect.objectContaining({ version: 2, lastName: 'Rinne', firstName: 'Raportti' }),
    ]);
    expect(Date.parse(events[0].createdAt)).toBe(Date.parse(customer.createdAt));
    const validator = new EventValidator();
    const [envelope] = await h.dataSource.query<{ envelope: unknown }[]>(
      `SELECT envelope FROM customers.outbox WHERE type = $1 AND tenant_id = $2 LIMIT 1`,
      [CUSTOMER_REPORTABLE_V1, t.tenantId],
    );
    expect(validator.validate(Buffer.from(JSON.stringify(envelope.envelope)))).toMatchObject({
      valid: true,
    });
  });

  it('gives a statement writing many cards their events in the same statement, and a write without a new version none', async () => {
    const t = tenantFixture('FI');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await h.customers.create(t.admin, { firstName: 'Joukko', lastName: `N${i}` })).customer.id,
      );
    }
    // One UPDATE of five cards (as a label taken off every card that has it): five events.
    await h.db.query(`UPDATE customers.customers SET version = version + 1 WHERE tenant_id = $1`, [
      t.tenantId,
    ]);
    // No new version (the marketing flags, the vehicle search keys): nothing for reports.
    await h.db.query(`UPDATE customers.customers SET updated_at = now() WHERE tenant_id = $1`, [
      t.tenantId,
    ]);
    for (const id of ids) {
      expect((await reportable(id)).map((e) => e.version)).toEqual([1, 2]);
    }
  });

  it('gives each card of a many-row INSERT an event of its own (a partner batch, a bulk load)', async () => {
    const t = tenantFixture('FI');
    await h.db.query(
      `INSERT INTO customers.customers (tenant_id, id, first_name, last_name, customer_number,
         station_ids, status, created_at, updated_at)
       SELECT $1, gen_random_uuid(), 'Erä', 'N' || n, 'ERA-' || n, ARRAY[$2::uuid], 'active',
              now(), now()
         FROM generate_series(1, 50) AS n`,
      [t.tenantId, t.stationA],
    );
    const events = await h.dataSource.query<{ event_id: string; customer_id: string }[]>(
      `SELECT event_id, envelope -> 'payload' ->> 'customerId' AS customer_id FROM customers.outbox
        WHERE type = $1 AND tenant_id = $2`,
      [CUSTOMER_REPORTABLE_V1, t.tenantId],
    );
    expect(new Set(events.map((e) => e.customer_id)).size).toBe(50);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(50);
  });

  it('applies the stream to a database that already holds cards: each announced with an id of its own', async () => {
    // A database as it was before the reporting stream: its migration undone, and the ones that
    // came after it (they are undone first, and applied again with it).
    const stream = (customersSchema.migrations as { name: string }[]).filter(
      (m) => Number(/(\d{13})$/.exec(m.name)?.[1]) >= 1767800000000,
    ).length;
    const db = await createTestDatabase('stream-upgrade');
    const owner = createServiceDataSource({
      ...customersSchema,
      settings: db.owner('customers'),
      poolSize: 1,
    });
    await owner.initialize();
    try {
      for (let i = 0; i < stream; i += 1) await owner.undoLastMigration({ transaction: 'each' });
      const t = tenantFixture('FI');
      const insertCards = (prefix: string, count: number) =>
        db.query(
          `INSERT INTO customers.customers (tenant_id, id, first_name, last_name, customer_number,
             station_ids, status, created_at, updated_at)
           SELECT $1, gen_random_uuid(), 'Vanha', 'N' || n, $3 || n, ARRAY[$2::uuid], 'active',
                  now(), now()
             FROM generate_series(1, $4::int) AS n`,
          [t.tenantId, t.stationA, prefix, count],
        );
      await insertCards('OLD-', 2);
      expect(await owner.runMigrations({ transaction: 'each' })).toHaveLength(stream);
      await insertCards('NEW-', 3);
      const events = await db.query<{ event_id: string; envelope_id: string }>(
        `SELECT event_id, envelope ->> 'eventId' AS envelope_id FROM customers.outbox
          WHERE type = $1 AND tenant_id = $2`,
        [CUSTOMER_REPORTABLE_V1, t.tenantId],
      );
      expect(events).toHaveLength(5);
      expect(new Set(events.map((e) => e.event_id)).size).toBe(5);
      for (const e of events) expect(e.envelope_id).toBe(e.event_id);
    } finally {
      await owner.destroy();
      await db.drop();
    }
  });

  it('sends an erased card as its shell: every personal field null', async () => {
    const t = tenantFixture('FI');
    const { customer } = await h.customers.create(t.admin, {
      firstName: 'Pyyhittävä',
      lastName: 'Henkilö',
      email: 'pyyhittava@example.test',
      notes: 'Muistiinpano',
      addresses: [{ type: 'home', street: 'Katu 3', postalCode: '00300', city: 'Helsinki' }],
    });
    await h.dataSource.transaction((manager) =>
      h.app.get(CustomerErasure).erase(manager, t.tenantId, customer.id),
    );
    // The card's first version may be published and forgotten by the relay already (or deleted
    // by the erasure, unpublished): the erased card's own event is the one that must be there.
    const erased = (await reportable(customer.id)).find((e) => e.version === 2);
    expect(erased).toMatchObject({
      version: 2,
      status: 'erased',
      customerNumber: customer.customerNumber,
      firstName: null,
      lastName: null,
      companyName: null,
      phone: null,
      email: null,
      street: null,
      postalCode: null,
      city: null,
      country: null,
      notes: null,
    });
  });
});
