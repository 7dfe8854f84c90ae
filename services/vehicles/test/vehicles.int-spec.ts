import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@kanta/platform';
import {
  problemOf,
  startVehicles,
  tenantFixture,
  vehiclesOf,
  type VehiclesHarness,
} from './support';

describe('vehicles and their customers (real Postgres)', () => {
  let h: VehiclesHarness;
  let vehicles: ReturnType<typeof vehiclesOf>;
  beforeAll(async () => {
    h = await startVehicles('vehicles');
    vehicles = vehiclesOf(h.app);
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps the plate as entered and compares it upper-cased without spaces or hyphens', async () => {
    const t = tenantFixture();
    const vehicle = await vehicles.create(t.admin, {
      registration: 'tst-001',
      make: 'Make',
      model: 'Model',
      year: 2019,
      vin: 'TSTVN000000000001',
    });
    expect(vehicle).toMatchObject({
      registration: 'tst-001',
      registrationNormalized: 'TST001',
      year: 2019,
      vin: 'TSTVN000000000001',
      customers: [],
      version: 1,
    });
    for (const typed of ['TST 001', 'tst001', 'T-S-T-0-0-1']) {
      expect((await problemOf(vehicles.create(t.admin, { registration: typed }))).type).toContain(
        'registration-taken',
      );
    }
    expect(
      (
        await problemOf(
          vehicles.create(t.admin, { registration: 'TST-002', vin: 'TSTVN000000000001' }),
        )
      ).type,
    ).toContain('vin-taken');
    // Another tenant may have the same plate.
    const other = tenantFixture();
    expect((await vehicles.create(other.admin, { registration: 'TST-001' })).registration).toBe(
      'TST-001',
    );
    const [created] = await h.outbox('vehicles.vehicle.created.v1');
    expect(created.payload).toEqual({
      vehicleId: vehicle.id,
      registration: 'TST001',
      vin: 'TSTVN000000000001',
      customers: [],
      version: 1,
    });
  });

  it('finds vehicles by plate or VIN beginning typed any way, ordered by plate, in pages', async () => {
    const t = tenantFixture();
    for (const plate of ['ABC-123', 'ABC-124', 'ABD-100', 'XYZ-999']) {
      await vehicles.create(t.admin, { registration: plate });
    }
    await vehicles.create(t.admin, { registration: 'QQQ-1', vin: 'WVWZZZ1JZXW000777' });
    const plates = async (q: string) =>
      (await vehicles.search(t.worker, { q })).items.map((v) => v.registration);
    expect(await plates('abc 12')).toEqual(['ABC-123', 'ABC-124']);
    expect(await plates('abc-123')).toEqual(['ABC-123']);
    expect(await plates('ab')).toEqual(['ABC-123', 'ABC-124', 'ABD-100']);
    expect(await plates('wvw-zzz1jz')).toEqual(['QQQ-1']);
    expect(await plates('nothing')).toEqual([]);
    const first = await vehicles.search(t.admin, { q: 'ab', limit: 2 });
    expect(first.items.map((v) => v.registration)).toEqual(['ABC-123', 'ABC-124']);
    const second = await vehicles.search(t.admin, { q: 'ab', limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((v) => v.registration)).toEqual(['ABD-100']);
    expect(second.nextCursor).toBeNull();
    // Nothing of another tenant.
    expect((await vehicles.search(tenantFixture().admin, { q: 'abc' })).items).toEqual([]);
    // Found by VIN, more than a page: the plate matches first, then the VIN matches by VIN,
    // each on some page exactly once.
    const vans = ['VAN-5', 'VAN-1', 'VAN-4', 'VAN-2', 'VAN-3'];
    for (const [n, plate] of vans.entries()) {
      await vehicles.create(t.admin, { registration: plate, vin: `WVWZZZ7HZ0000000${n}` });
    }
    await vehicles.create(t.admin, { registration: 'WVWZZZ7HZ-1' });
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await vehicles.search(t.admin, {
        q: 'WVWZZZ7HZ',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      paged.push(...page.items.map((v) => v.registration));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && paged.length < 10);
    expect(paged).toEqual(['WVWZZZ7HZ-1', ...vans]);
  });

  it('links customers as owner or proxy with one default, and publishes the links', async () => {
    const t = tenantFixture();
    const person = await h.knowCustomer(t.tenantId, [t.stationA]);
    const leasing = await h.knowCustomer(t.tenantId, [t.stationB]);
    const car = await vehicles.create(t.admin, { registration: 'TST-010' });
    await vehicles.link(t.admin, car.id, { customerId: leasing, role: 'owner' });
    const linked = await vehicles.link(t.admin, car.id, {
      customerId: person,
      role: 'proxy',
      isDefault: true,
    });
    expect(linked.customers).toEqual([
      expect.objectContaining({ customerId: leasing, role: 'owner', isDefault: false }),
      expect.objectContaining({ customerId: person, role: 'proxy', isDefault: true }),
    ]);
    expect(linked.version).toBe(3);
    // Moving the default takes it from the other link.
    const moved = await vehicles.link(t.admin, car.id, {
      customerId: leasing,
      role: 'owner',
      isDefault: true,
    });
    expect(moved.customers.filter((l) => l.isDefault).map((l) => l.customerId)).toEqual([leasing]);
    // A customer has many vehicles.
    const second = await vehicles.create(t.admin, { registration: 'TST-011' });
    await vehicles.link(t.worker, second.id, { customerId: person, role: 'owner' });
    expect((await vehicles.ofCustomer(t.worker, person)).items.map((v) => v.registration)).toEqual([
      'TST-010',
      'TST-011',
    ]);
    const events = await h.outbox('vehicles.vehicle.linked.v1');
    expect(events[events.length - 1].payload).toMatchObject({
      vehicleId: second.id,
      registration: 'TST011',
      customers: [{ customerId: person, role: 'owner', isDefault: false }],
    });
    const unlinked = await vehicles.unlink(t.admin, car.id, person);
    expect(unlinked.customers.map((l) => l.customerId)).toEqual([leasing]);
    expect((await problemOf(vehicles.unlink(t.admin, car.id, person))).status).toBe(404);
    expect(await h.outbox('vehicles.vehicle.unlinked.v1')).toHaveLength(1);
  });

  it('waits briefly for a customer created a moment ago, then refuses an unknown one', async () => {
    const t = tenantFixture();
    const car = await vehicles.create(t.admin, { registration: 'TST-020' });
    // A customer created a moment ago has a UUIDv7 minted then: only such an id is waited for.
    const late = uuidv7();
    setTimeout(() => void h.knowCustomer(t.tenantId, [t.stationA], late), 100);
    expect(
      (await vehicles.link(t.admin, car.id, { customerId: late, role: 'owner' })).customers,
    ).toHaveLength(1);
    const unknown = await problemOf(
      vehicles.link(t.admin, car.id, { customerId: randomUUID(), role: 'owner' }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.errors).toEqual([
      expect.objectContaining({ field: 'customerId', reason: 'unknown_customer' }),
    ]);
  });

  it('lists a customer’s vehicles by plate in pages, a leasing company’s fleet whole', async () => {
    const t = tenantFixture();
    const company = await h.knowCustomer(t.tenantId, [t.stationA]);
    for (const plate of ['FLT-3', 'FLT-1', 'FLT-2']) {
      const car = await vehicles.create(t.admin, { registration: plate });
      await vehicles.link(t.admin, car.id, { customerId: company, role: 'owner' });
    }
    const first = await vehicles.ofCustomer(t.worker, company, { limit: 2 });
    expect(first.items.map((v) => v.registration)).toEqual(['FLT-1', 'FLT-2']);
    const rest = await vehicles.ofCustomer(t.worker, company, {
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(rest).toEqual({
      items: [expect.objectContaining({ registration: 'FLT-3' })],
      nextCursor: null,
    });
  });

  it('lets a worker link and list only customers of their stations', async () => {
    const t = tenantFixture();
    const south = await h.knowCustomer(t.tenantId, [t.stationB]);
    const car = await vehicles.create(t.worker, { registration: 'TST-030' });
    expect(
      (await problemOf(vehicles.link(t.worker, car.id, { customerId: south, role: 'owner' })))
        .errors,
    ).toEqual([expect.objectContaining({ reason: 'unknown_customer' })]);
    await vehicles.link(t.admin, car.id, { customerId: south, role: 'owner' });
    expect((await problemOf(vehicles.ofCustomer(t.worker, south))).status).toBe(404);
    expect((await problemOf(vehicles.unlink(t.worker, car.id, south))).status).toBe(404);
    expect((await vehicles.search(t.worker, { customerId: south })).items).toEqual([]);
    expect((await vehicles.search(t.admin, { customerId: south })).items).toHaveLength(1);
  });

  it('updates with the version read: null clears, a stale version is a 412, no change no event', async () => {
    const t = tenantFixture();
    const car = await vehicles.create(t.admin, {
      registration: 'TST-040',
      make: 'Make',
      year: 2000,
    });
    const updated = await vehicles.update(t.admin, car.id, 1, {
      registration: 'tst 040',
      make: null,
      vin: 'TSTVN000000000040',
      lastSeenAt: '2026-01-02T10:00:00Z',
    });
    expect(updated).toMatchObject({
      registration: 'tst 040',
      registrationNormalized: 'TST040',
      make: null,
      year: 2000,
      vin: 'TSTVN000000000040',
      lastSeenAt: '2026-01-02T10:00:00.000Z',
      version: 2,
    });
    expect((await problemOf(vehicles.update(t.admin, car.id, 1, { make: 'X' }))).status).toBe(412);
    const same = await vehicles.update(t.admin, car.id, 2, { make: null });
    expect(same.version).toBe(2);
    expect(
      (await h.outbox('vehicles.vehicle.updated.v1')).filter((e) => e.payload.vehicleId === car.id),
    ).toHaveLength(1);
    expect(
      (await problemOf(vehicles.update(t.admin, car.id, 2, { registration: null as never })))
        .status,
    ).toBe(422);
  });

  it('answers 404 for another tenant’s vehicle on every operation, 403 outside a tenant', async () => {
    const t = tenantFixture();
    const other = tenantFixture();
    const car = await vehicles.create(t.admin, { registration: 'TST-050' });
    const theirs = await h.knowCustomer(other.tenantId, [other.stationA]);
    for (const attempt of [
      vehicles.get(other.admin, car.id),
      vehicles.update(other.admin, car.id, 1, { make: 'X' }),
      vehicles.link(other.admin, car.id, { customerId: theirs, role: 'owner' }),
      vehicles.unlink(other.admin, car.id, theirs),
      vehicles.get(t.admin, 'not-a-uuid'),
    ]) {
      expect((await problemOf(attempt)).status).toBe(404);
    }
    const mine = await h.knowCustomer(t.tenantId, [t.stationA]);
    expect((await problemOf(vehicles.ofCustomer(other.admin, mine))).status).toBe(404);
    const noTenant = { ...t.admin, tenant: null, role: 'superadmin' as const };
    expect((await problemOf(vehicles.get(noTenant, car.id))).status).toBe(403);
  });
});
