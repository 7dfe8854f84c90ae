import { CUSTOMER_UPDATED_V1 } from '@kanta/contracts';
import { EventValidator } from '@kanta/messaging';
import { CustomersAnnounced1766300200000 } from '../src/database/migrations/1766300200000-customers-announced';
import { startCustomers, tenantFixture, type CustomersHarness } from './support';

/*
 * The privacy service arrived after the customers: migration CustomersAnnounced announces every
 * existing customer once, so that it learns them and can erase them. Run here again on a
 * database that has customers (on a new database it finds none).
 */
describe('existing customers announced to the services that came later (real Postgres)', () => {
  let h: CustomersHarness;
  const t = tenantFixture();

  beforeAll(async () => {
    h = await startCustomers('announced');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('writes one valid customer.updated event per customer, of its current version, with no changed fields', async () => {
    const { customer: person } = await h.customers.create(t.admin, {
      firstName: 'Ennen',
      lastName: 'Yksityisyyttä',
      email: 'ennen@example.test',
      stationIds: [t.stationA],
    });
    const { customer: company } = await h.customers.create(t.admin, {
      kind: 'company',
      companyName: 'Vanha Oy',
      stationIds: [t.stationB],
    });
    const runner = h.dataSource.createQueryRunner();
    try {
      await new CustomersAnnounced1766300200000().up(runner);
    } finally {
      await runner.release();
    }
    const rows = await h.dataSource.query<{ event_id: string; envelope: { payload: object } }[]>(
      `SELECT event_id, envelope FROM customers.outbox
        WHERE type = $1 AND envelope -> 'payload' -> 'changedFields' = '[]'::jsonb
          AND tenant_id = $2`,
      [CUSTOMER_UPDATED_V1, t.tenantId],
    );
    const validator = new EventValidator();
    for (const row of rows) {
      const checked = validator.validate(Buffer.from(JSON.stringify(row.envelope)));
      expect(checked).toMatchObject({ valid: true });
      expect(row.envelope).toMatchObject({ eventId: row.event_id });
    }
    expect(rows.map((r) => r.envelope.payload)).toEqual(
      expect.arrayContaining([
        {
          customerId: person.id,
          customerNumber: person.customerNumber,
          status: 'active',
          stationIds: [t.stationA],
          version: person.version,
          changedFields: [],
          hasEmail: true,
          hasPhone: false,
        },
        expect.objectContaining({
          customerId: company.id,
          hasEmail: false,
          version: company.version,
        }),
      ]),
    );
    expect(rows).toHaveLength(2);
  });
});
