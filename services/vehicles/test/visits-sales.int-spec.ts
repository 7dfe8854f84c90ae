import { randomUUID } from 'node:crypto';
import type { CallerContext, CreateSaleDto, CreateVisitDto } from '@kanta/contracts';
import {
  problemOf,
  salesOf,
  startVehicles,
  tenantFixture,
  vehiclesOf,
  visitsOf,
  type VehiclesHarness,
} from './support';

describe('visits, sales and the customer summary (real Postgres)', () => {
  let h: VehiclesHarness;
  let visits: ReturnType<typeof visitsOf>;
  let sales: ReturnType<typeof salesOf>;
  let vehicles: ReturnType<typeof vehiclesOf>;
  beforeAll(async () => {
    h = await startVehicles('visits');
    visits = visitsOf(h.app);
    sales = salesOf(h.app);
    vehicles = vehiclesOf(h.app);
  });
  afterAll(async () => {
    await h.close();
  });

  const receipt = (over: Partial<CreateSaleDto> = {}): CreateSaleDto => ({
    receiptNumber: `R-${randomUUID().slice(0, 8)}`,
    soldAt: '2026-03-01T10:00:00Z',
    currency: 'EUR',
    lines: [
      {
        kind: 'service',
        name: 'Inspection',
        quantity: 1,
        unitPriceMinor: 5990,
        vatRate: 25.5,
        totalMinor: 5990,
      },
      {
        kind: 'product',
        name: 'Wiper',
        quantity: 2,
        unitPriceMinor: 1250,
        vatRate: 25.5,
        totalMinor: 2500,
      },
    ],
    totalMinor: 8490,
    ...over,
  });

  it('records a booking at the caller’s station for a customer and vehicle, and publishes it', async () => {
    const t = tenantFixture();
    const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const car = await vehicles.create(t.admin, { registration: 'TST-100' });
    const visit = await visits.create(t.worker, {
      customerId,
      vehicleId: car.id,
      kind: 'inspection',
      scheduledAt: '2026-12-01T09:00:00+02:00',
      channel: 'phone',
      notes: '  bring the old report ',
      prepaid: { amountMinor: 2500, currency: 'EUR' },
      partnerLink: 'https://partner.example.test/cards/1',
    });
    expect(visit).toMatchObject({
      stationId: t.stationA,
      customerId,
      vehicleId: car.id,
      registration: 'TST-100',
      status: 'booked',
      scheduledAt: '2026-12-01T07:00:00.000Z',
      staffUserId: t.worker.userId,
      notes: 'bring the old report',
      prepaid: { amountMinor: 2500, currency: 'EUR' },
      version: 1,
    });
    const [event] = await h.outbox('vehicles.visit.recorded.v1');
    expect(event.payload).toMatchObject({ visitId: visit.id, status: 'booked', customerId });
    expect(JSON.stringify(event.payload)).not.toContain('report');
  });

  it('refuses a station the caller does not work at, an unknown vehicle or customer', async () => {
    const t = tenantFixture();
    const base = {
      kind: 'booking' as const,
      scheduledAt: '2026-12-01T09:00:00Z',
      channel: 'phone' as const,
    };
    const foreign = await problemOf(visits.create(t.worker, { ...base, stationId: t.stationB }));
    expect(foreign.errors).toEqual([
      expect.objectContaining({ field: 'stationId', reason: 'unknown_station' }),
    ]);
    const vehicle = await problemOf(visits.create(t.admin, { ...base, vehicleId: randomUUID() }));
    expect(vehicle.errors).toEqual([
      expect.objectContaining({ field: 'vehicleId', reason: 'unknown_vehicle' }),
    ]);
    const customer = await problemOf(visits.create(t.admin, { ...base, customerId: randomUUID() }));
    expect(customer.errors).toEqual([
      expect.objectContaining({ field: 'customerId', reason: 'unknown_customer' }),
    ]);
    const dup = { ...base, externalId: 'EXT-1' };
    await visits.create(t.admin, dup);
    expect((await problemOf(visits.create(t.admin, dup))).type).toContain('external-id-taken');
  });

  it('completes, cancels and marks no-shows only from booked, with the version read', async () => {
    const t = tenantFixture();
    const base = {
      kind: 'booking' as const,
      scheduledAt: '2026-12-01T09:00:00Z',
      channel: 'walk_in' as const,
    };
    const visit = await visits.create(t.admin, base);
    const moved = await visits.update(t.admin, visit.id, 1, {
      scheduledAt: '2026-12-02T09:00:00Z',
    });
    expect(moved.scheduledAt).toBe('2026-12-02T09:00:00.000Z');
    const done = await visits.update(t.worker, visit.id, 2, { status: 'completed' });
    expect(done).toMatchObject({ status: 'completed', version: 3 });
    const again = await problemOf(visits.update(t.admin, visit.id, 3, { status: 'cancelled' }));
    expect(again.errors).toEqual([
      expect.objectContaining({ field: 'status', reason: 'invalid_transition' }),
    ]);
    const late = await problemOf(
      visits.update(t.admin, visit.id, 3, { scheduledAt: '2026-12-03T09:00:00Z' }),
    );
    expect(late.errors).toEqual([expect.objectContaining({ reason: 'not_booked' })]);
    expect((await problemOf(visits.update(t.admin, visit.id, 1, { notes: 'x' }))).status).toBe(412);
    const noShow = await visits.create(t.admin, base);
    expect((await visits.update(t.admin, noShow.id, 1, { status: 'no_show' })).status).toBe(
      'no_show',
    );
    expect((await h.outbox('vehicles.visit.updated.v1')).length).toBeGreaterThanOrEqual(3);
  });

  it('keeps why a visit was cancelled, and refuses a reason for a visit that is not', async () => {
    const t = tenantFixture();
    const base = {
      kind: 'booking' as const,
      scheduledAt: '2026-12-01T09:00:00Z',
      channel: 'phone' as const,
    };
    const visit = await visits.create(t.worker, base);
    expect(visit.cancelReason).toBeNull();
    const notCancelled = await problemOf(
      visits.update(t.worker, visit.id, 1, { cancelReason: 'ill' }),
    );
    expect(notCancelled.errors).toEqual([
      expect.objectContaining({ field: 'cancelReason', reason: 'not_cancelled' }),
    ]);
    // No reason, as a visit read and sent back carries: nothing to refuse, nothing changes.
    expect(await visits.update(t.worker, visit.id, 1, { cancelReason: null })).toEqual(visit);
    const done = await visits.create(t.worker, base);
    await visits.update(t.worker, done.id, 1, { status: 'completed' });
    expect(
      (await problemOf(visits.update(t.worker, done.id, 2, { cancelReason: 'ill' }))).errors,
    ).toEqual([expect.objectContaining({ field: 'cancelReason', reason: 'not_cancelled' })]);
    const cancelled = await visits.update(t.worker, visit.id, 1, {
      status: 'cancelled',
      cancelReason: '  car sold ',
    });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'car sold', version: 2 });
    // Said better later, or taken back.
    expect(
      (await visits.update(t.worker, visit.id, 2, { cancelReason: 'car sold in October' }))
        .cancelReason,
    ).toBe('car sold in October');
    expect(
      (await visits.update(t.worker, visit.id, 3, { cancelReason: null })).cancelReason,
    ).toBeNull();
  });

  it('pages receipts sold within the same millisecond, or a fraction of it apart, without skipping or repeating one', async () => {
    const t = tenantFixture();
    const soldAt = [
      '2026-05-06T10:00:00.1234567Z',
      '2026-05-06T10:00:00.1239999Z',
      '2026-05-06T10:00:00.123Z',
      '2026-05-06T12:00:00.123+02:00',
    ];
    const made = [];
    for (const at of soldAt) made.push(await sales.create(t.worker, receipt({ soldAt: at })));
    expect(new Set(made.map((s) => s.soldAt))).toEqual(new Set(['2026-05-06T10:00:00.123Z']));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await sales.list(t.worker, { limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && seen.length < 10);
    expect(seen.sort()).toEqual(made.map((s) => s.id).sort());
    // A cursor made by hand with a time in another form is refused, not a database error.
    const forged = Buffer.from(JSON.stringify(['1', made[0].id])).toString('base64url');
    expect((await problemOf(sales.list(t.worker, { cursor: forged }))).errors).toEqual([
      expect.objectContaining({ field: 'cursor', reason: 'invalid_format' }),
    ]);
  });

  it('lists the visits booked through one channel', async () => {
    const t = tenantFixture();
    const at = (channel: 'phone' | 'online_booking' | 'kiosk') =>
      visits.create(t.worker, { kind: 'inspection', scheduledAt: '2026-12-01T09:00:00Z', channel });
    const online = await at('online_booking');
    await at('phone');
    await at('kiosk');
    const page = await visits.list(t.worker, { channel: 'online_booking', status: 'booked' });
    expect(page.items.map((v) => v.id)).toEqual([online.id]);
  });

  it('lists visits by time in pages; a worker sees only their stations', async () => {
    const t = tenantFixture();
    const customerId = await h.knowCustomer(t.tenantId, [t.stationA, t.stationB]);
    for (const [i, stationId] of [t.stationA, t.stationB, t.stationA].entries()) {
      await visits.create(t.admin, {
        stationId,
        customerId,
        kind: 'appointment',
        scheduledAt: `2026-05-0${i + 1}T10:00:00Z`,
        channel: 'online_booking',
      });
    }
    const first = await visits.list(t.admin, { limit: 2 });
    expect(first.items.map((v) => v.scheduledAt.slice(0, 10))).toEqual([
      '2026-05-01',
      '2026-05-02',
    ]);
    const second = await visits.list(t.admin, { limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((v) => v.scheduledAt.slice(0, 10))).toEqual(['2026-05-03']);
    expect((await visits.list(t.worker, {})).items).toHaveLength(2);
    expect((await visits.list(t.worker, { stationId: t.stationB })).items).toEqual([]);
    const ofCustomer = await visits.ofCustomer(t.admin, customerId, {
      from: '2026-05-02',
      to: '2026-05-02',
    });
    expect(ofCustomer.items.map((v) => v.stationId)).toEqual([t.stationB]);
    const hidden = (await visits.list(t.admin, { stationId: t.stationB })).items[0];
    expect((await problemOf(visits.get(t.worker, hidden.id))).status).toBe(404);
    expect(
      (await problemOf(visits.update(t.worker, hidden.id, 1, { status: 'cancelled' }))).status,
    ).toBe(404);
    expect((await problemOf(visits.get(tenantFixture().admin, hidden.id))).status).toBe(404);
  });

  it('records receipts whose lines add up, refuses those that do not, and one number per station', async () => {
    const t = tenantFixture();
    const sale = await sales.create(t.admin, receipt({ receiptNumber: 'R-1' }));
    expect(sale).toMatchObject({ stationId: t.stationA, totalMinor: 8490, currency: 'EUR' });
    expect(
      (await problemOf(sales.create(t.admin, receipt({ receiptNumber: 'R-1' })))).type,
    ).toContain('receipt-taken');
    await sales.create(t.admin, receipt({ receiptNumber: 'R-1', stationId: t.stationB }));
    const wrongLine = await problemOf(
      sales.create(
        t.admin,
        receipt({
          lines: [
            {
              kind: 'service',
              name: 'X',
              quantity: 2,
              unitPriceMinor: 100,
              vatRate: 24,
              totalMinor: 150,
            },
          ],
          totalMinor: 150,
        }),
      ),
    );
    expect(wrongLine.errors).toEqual([
      expect.objectContaining({ field: 'lines.0.totalMinor', reason: 'totals_mismatch' }),
    ]);
    const wrongTotal = await problemOf(sales.create(t.admin, receipt({ totalMinor: 8000 })));
    expect(wrongTotal.errors).toEqual([
      expect.objectContaining({ field: 'totalMinor', reason: 'totals_mismatch' }),
    ]);
    const visit = await problemOf(sales.create(t.admin, receipt({ visitId: randomUUID() })));
    expect(visit.errors).toEqual([
      expect.objectContaining({ field: 'visitId', reason: 'unknown_visit' }),
    ]);
  });

  it('books once for an Idempotency-Key: a repeat or a double click answers the first visit', async () => {
    const t = tenantFixture();
    const booking = {
      kind: 'inspection' as const,
      scheduledAt: '2026-04-01T08:00:00Z',
      channel: 'phone' as const,
      notes: 'once',
    };
    const first = await visits.createOnce(t.worker, booking, 'click-1');
    expect(first.replayed).toBe(false);
    expect(await visits.createOnce(t.worker, { ...booking }, 'click-1')).toEqual({
      visit: first.visit,
      replayed: true,
    });
    // Two at the same moment with a new key, also naming the partner's id: one visit.
    const withRef = { ...booking, externalId: 'DMS-CLICK-2' };
    const both = await Promise.all([
      visits.createOnce(t.worker, withRef, 'click-2'),
      visits.createOnce(t.worker, withRef, 'click-2'),
    ]);
    expect(both[0].visit.id).toBe(both[1].visit.id);
    expect(both.map((r) => r.replayed).sort()).toEqual([false, true]);
    const [{ n }] = await h.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM vehicles.visits WHERE tenant_id = $1',
      [t.tenantId],
    );
    expect(n).toBe(2);
    // The key with another request, or a visit the caller may not see: 422, nothing made.
    const elsewhere: CallerContext = {
      ...t.worker,
      stationIds: [t.stationB],
      currentStationId: t.stationB,
    };
    // An admin who sees both stations, sending the same body from station B: another booking.
    const adminAtB: CallerContext = {
      ...t.admin,
      userId: t.worker.userId,
      currentStationId: t.stationB,
    };
    const refusals: [CallerContext, CreateVisitDto][] = [
      [t.worker, { ...booking, notes: 'another' }],
      [elsewhere, booking],
      [adminAtB, booking],
    ];
    for (const [caller, input] of refusals) {
      expect(await problemOf(visits.createOnce(caller, input, 'click-1'))).toMatchObject({
        status: 422,
        type: expect.stringContaining('idempotency-key-reused'),
      });
    }
    // Keys are each tenant's own.
    const other = tenantFixture();
    expect((await visits.createOnce(other.worker, booking, 'click-1')).replayed).toBe(false);
  });

  it('lets reception name a walk-in’s customer and vehicle later: the sales follow, completion marks the car seen', async () => {
    const t = tenantFixture();
    const [first, second] = [
      await h.knowCustomer(t.tenantId, [t.stationA]),
      await h.knowCustomer(t.tenantId, [t.stationA]),
    ];
    const car = await vehicles.create(t.admin, { registration: 'TST-150' });
    const walkIn = await visits.create(t.worker, {
      kind: 'work_order',
      scheduledAt: '2026-03-01T08:00:00Z',
      channel: 'walk_in',
    });
    const sale = await sales.create(t.worker, receipt({ visitId: walkIn.id }));
    expect(sale.customerId).toBeNull();
    const named = await visits.update(t.worker, walkIn.id, 1, {
      customerId: first,
      vehicleId: car.id,
      partnerLink: 'https://dms.example.test/work-orders/150',
    });
    expect(walkIn.registration).toBeNull();
    expect(named).toMatchObject({
      customerId: first,
      vehicleId: car.id,
      registration: 'TST-150',
      partnerLink: 'https://dms.example.test/work-orders/150',
      version: 2,
    });
    expect((await sales.ofCustomer(t.admin, first, {})).items.map((s) => s.id)).toEqual([sale.id]);
    expect((await vehicles.get(t.admin, car.id)).lastSeenAt).toBeNull();
    const before = Date.now();
    await visits.update(t.worker, walkIn.id, 2, { status: 'completed' });
    const seen = Date.parse((await vehicles.get(t.admin, car.id)).lastSeenAt!);
    expect(seen).toBeGreaterThanOrEqual(before - 1000);
    // The wrong customer was named: the sale moves with the visit to the right one.
    await visits.update(t.admin, walkIn.id, 3, { customerId: second });
    expect((await sales.ofCustomer(t.admin, first, {})).items).toEqual([]);
    expect((await sales.ofCustomer(t.admin, second, {})).items.map((s) => s.id)).toEqual([sale.id]);
    const unknownCar = await problemOf(
      visits.update(t.admin, walkIn.id, 4, { vehicleId: randomUUID() }),
    );
    expect(unknownCar.errors).toEqual([
      expect.objectContaining({ field: 'vehicleId', reason: 'unknown_vehicle' }),
    ]);
    const otherTenant = tenantFixture();
    const theirCar = await vehicles.create(otherTenant.admin, { registration: 'TST-151' });
    const theirCustomer = await h.knowCustomer(otherTenant.tenantId, [otherTenant.stationA]);
    expect(
      (await problemOf(visits.update(t.admin, walkIn.id, 4, { vehicleId: theirCar.id }))).errors,
    ).toEqual([expect.objectContaining({ field: 'vehicleId', reason: 'unknown_vehicle' })]);
    expect(
      (await problemOf(visits.update(t.admin, walkIn.id, 4, { customerId: theirCustomer }))).errors,
    ).toEqual([expect.objectContaining({ field: 'customerId', reason: 'unknown_customer' })]);
    expect((await visits.get(t.admin, walkIn.id)).customerId).toBe(second);
  });

  it('gives a visit that names only a vehicle the vehicle’s default customer, one the caller may see', async () => {
    const t = tenantFixture();
    const [owner, driver, elsewhere] = [
      await h.knowCustomer(t.tenantId, [t.stationA]),
      await h.knowCustomer(t.tenantId, [t.stationA]),
      await h.knowCustomer(t.tenantId, [t.stationB]),
    ];
    const car = await vehicles.create(t.admin, { registration: 'TST-160' });
    await vehicles.link(t.admin, car.id, { customerId: owner, role: 'owner' });
    await vehicles.link(t.admin, car.id, { customerId: driver, role: 'proxy', isDefault: true });
    const base = {
      kind: 'inspection' as const,
      scheduledAt: '2026-12-01T09:00:00Z',
      channel: 'walk_in' as const,
    };
    // The car arrives: reception gets its default customer, the driver.
    const arrived = await visits.create(t.worker, { ...base, vehicleId: car.id });
    expect(arrived.customerId).toBe(driver);
    const recorded = await h.outbox('vehicles.visit.recorded.v1');
    expect(recorded.find((e) => e.payload.visitId === arrived.id)?.payload).toMatchObject({
      customerId: driver,
    });
    // A customer named wins over the default.
    expect(
      (await visits.create(t.worker, { ...base, vehicleId: car.id, customerId: owner })).customerId,
    ).toBe(owner);
    // Named later: a walk-in without a customer gets it with the vehicle; one with a customer
    // keeps theirs, and a patch naming the customer (or none) decides.
    const walkIn = await visits.create(t.worker, base);
    expect(walkIn.customerId).toBeNull();
    expect((await visits.update(t.worker, walkIn.id, 1, { vehicleId: car.id })).customerId).toBe(
      driver,
    );
    const known = await visits.create(t.worker, { ...base, customerId: owner });
    expect((await visits.update(t.worker, known.id, 1, { vehicleId: car.id })).customerId).toBe(
      owner,
    );
    const nobody = await visits.create(t.worker, base);
    expect(
      (await visits.update(t.worker, nobody.id, 1, { vehicleId: car.id, customerId: null }))
        .customerId,
    ).toBeNull();
    // A default customer the worker may not see (another station's) is not given to the visit.
    const van = await vehicles.create(t.admin, { registration: 'TST-161' });
    await vehicles.link(t.admin, van.id, { customerId: elsewhere, role: 'owner', isDefault: true });
    expect((await visits.create(t.worker, { ...base, vehicleId: van.id })).customerId).toBeNull();
    expect((await visits.create(t.admin, { ...base, vehicleId: van.id })).customerId).toBe(
      elsewhere,
    );
  });

  it('sums a customer’s spending on services and products and counts visits by outcome', async () => {
    const t = tenantFixture();
    const customerId = await h.knowCustomer(t.tenantId, [t.stationA, t.stationB]);
    const base = { customerId, kind: 'inspection' as const, channel: 'phone' as const };
    const a = await visits.create(t.admin, { ...base, scheduledAt: '2025-01-10T10:00:00Z' });
    const b = await visits.create(t.admin, {
      ...base,
      stationId: t.stationB,
      scheduledAt: '2025-06-10T10:00:00Z',
    });
    const c = await visits.create(t.admin, { ...base, scheduledAt: '2025-03-10T10:00:00Z' });
    const d = await visits.create(t.admin, { ...base, scheduledAt: '2025-04-10T10:00:00Z' });
    await visits.create(t.admin, { ...base, scheduledAt: '2099-01-01T10:00:00Z' });
    await visits.update(t.admin, a.id, 1, { status: 'completed' });
    await visits.update(t.admin, b.id, 1, { status: 'completed' });
    await visits.update(t.admin, c.id, 1, { status: 'cancelled' });
    await visits.update(t.admin, d.id, 1, { status: 'no_show' });
    // A receipt naming only the visit is the visit's customer's; one naming someone else, refused.
    expect((await sales.create(t.admin, receipt({ visitId: a.id }))).customerId).toBe(customerId);
    const someoneElse = await h.knowCustomer(t.tenantId, [t.stationA]);
    const mismatch = await problemOf(
      sales.create(t.admin, receipt({ customerId: someoneElse, visitId: a.id })),
    );
    expect(mismatch.errors).toEqual([
      expect.objectContaining({ field: 'customerId', reason: 'not_visit_customer' }),
    ]);
    await sales.create(t.admin, receipt({ customerId, stationId: t.stationB }));
    await sales.create(t.admin, receipt({ customerId, currency: 'PLN' }));
    expect((await sales.ofCustomer(t.admin, someoneElse, {})).items).toEqual([]);
    const summary = await sales.summary(t.admin, customerId);
    expect(summary).toEqual({
      customerId,
      spent: [
        { currency: 'EUR', servicesMinor: 11980, productsMinor: 5000, totalMinor: 16980 },
        { currency: 'PLN', servicesMinor: 5990, productsMinor: 2500, totalMinor: 8490 },
      ],
      visits: 2,
      upcoming: 1,
      cancelled: 1,
      noShows: 1,
      firstVisitAt: '2025-01-10T10:00:00.000Z',
      lastVisitAt: '2025-06-10T10:00:00.000Z',
    });
    // The worker at station A sees station A's part only.
    const worker = await sales.summary(t.worker, customerId);
    expect(worker.spent[0]).toMatchObject({ currency: 'EUR', totalMinor: 8490 });
    expect(worker.visits).toBe(1);
    const page = await sales.ofCustomer(t.admin, customerId, { limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(
      (await sales.ofCustomer(t.admin, customerId, { cursor: page.nextCursor! })).items,
    ).toHaveLength(1);
    expect((await sales.ofCustomer(t.worker, customerId, {})).items).toHaveLength(2);
    const empty = await sales.summary(t.admin, await h.knowCustomer(t.tenantId, [t.stationA]));
    expect(empty).toMatchObject({ spent: [], visits: 0, firstVisitAt: null });
    expect((await problemOf(sales.summary(tenantFixture().admin, customerId))).status).toBe(404);
  });
});
