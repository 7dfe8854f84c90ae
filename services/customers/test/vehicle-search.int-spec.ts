import { randomUUID } from 'node:crypto';
import type { VehicleStateV1 } from '@kanta/contracts';
import { VehicleSearchConsumer } from '../src/vehicle-search/vehicle-search.consumer';
import { startCustomers, tenantFixture, type CustomersHarness } from './support';

describe('customer search by the plates and VINs of their vehicles (real Postgres)', () => {
  let h: CustomersHarness;
  let consumer: VehicleSearchConsumer;
  beforeAll(async () => {
    h = await startCustomers('vehiclesearch');
    consumer = h.app.get(VehicleSearchConsumer);
  });
  afterAll(async () => {
    await h.close();
  });

  const apply = (tenantId: string, vehicle: VehicleStateV1) =>
    h.dataSource.transaction((manager) => consumer.apply(manager, tenantId, vehicle));
  const found = async (ctx: ReturnType<typeof tenantFixture>['admin'], q: string) =>
    (await h.customers.search(ctx, { q })).items.map((c) => c.id);

  it('finds the linked customers by plate or VIN typed any way, and forgets an unlinked one', async () => {
    const t = tenantFixture();
    const owner = (
      await h.customers.create(t.admin, { companyName: 'Leasing Oy', kind: 'company' })
    ).customer;
    const driver = (await h.customers.create(t.admin, { firstName: 'Ajaja', lastName: 'Testi' }))
      .customer;
    const other = (await h.customers.create(t.admin, { firstName: 'Muu', lastName: 'Testi' }))
      .customer;
    const vehicleId = randomUUID();
    await apply(t.tenantId, {
      vehicleId,
      registration: 'TST123',
      vin: 'TSTVN000000000123',
      customers: [
        { customerId: owner.id, role: 'owner', isDefault: false },
        { customerId: driver.id, role: 'proxy', isDefault: true },
      ],
      version: 2,
    });
    for (const q of ['TST-123', 'tst 123', 'tst123', 'TSTVN000000000123', 'tstvn-0000']) {
      expect((await found(t.admin, q)).sort()).toEqual([owner.id, driver.id].sort());
    }
    // Every word must match: a name and a plate narrow down to the one customer.
    expect(await found(t.admin, 'ajaja tst-123')).toEqual([driver.id]);
    expect(await found(t.admin, 'muu tst-123')).toEqual([]);
    // An older event arriving late changes nothing.
    await apply(t.tenantId, {
      vehicleId,
      registration: 'OLD1',
      vin: null,
      customers: [{ customerId: other.id, role: 'owner', isDefault: true }],
      version: 1,
    });
    expect(await found(t.admin, 'OLD1')).toEqual([]);
    // The newer state unlinks the owner and renames the plate.
    await apply(t.tenantId, {
      vehicleId,
      registration: 'TST124',
      vin: null,
      customers: [{ customerId: driver.id, role: 'owner', isDefault: true }],
      version: 3,
    });
    expect(await found(t.admin, 'tst-123')).toEqual([]);
    expect(await found(t.admin, 'tst-124')).toEqual([driver.id]);
    // Another tenant never finds it.
    expect(await found(tenantFixture().admin, 'tst-124')).toEqual([]);
  });

  it('keeps a customer with two vehicles findable by either', async () => {
    const t = tenantFixture();
    const customer = (await h.customers.create(t.admin, { firstName: 'Kaksi', lastName: 'Autoa' }))
      .customer;
    const link = [{ customerId: customer.id, role: 'owner' as const, isDefault: true }];
    await apply(t.tenantId, {
      vehicleId: randomUUID(),
      registration: 'AAA111',
      vin: null,
      customers: link,
      version: 1,
    });
    await apply(t.tenantId, {
      vehicleId: randomUUID(),
      registration: 'BBB222',
      vin: null,
      customers: link,
      version: 1,
    });
    expect(await found(t.admin, 'aaa-111')).toEqual([customer.id]);
    expect(await found(t.admin, 'bbb-222')).toEqual([customer.id]);
    // The boundary between two plates is not a match.
    expect(await found(t.admin, '111bbb')).toEqual([]);
  });
});
