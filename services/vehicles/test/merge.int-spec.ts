import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { Client } from 'pg';
import {
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  MERGE_COMPLETED_V1,
  MERGE_REQUESTED_V1,
  MERGE_UNDO_REQUESTED_V1,
  MERGE_UNDONE_V1,
  PARTNER_SALE_COMPLETED_V1,
  type CreateSaleDto,
  type ErasureCompletedV1,
  type EventEnvelope,
  type MergeCompletedV1,
  type MergeUndoneV1,
} from '@kanta/contracts';
import {
  eventually,
  problemOf,
  salesOf,
  startVehicles,
  tenantFixture,
  vehiclesOf,
  visitsOf,
  AMQP_URL,
  type TenantFixture,
  type VehiclesHarness,
} from './support';
import type { TypedEvent } from '@kanta/messaging';
import { PartnerReceipts } from '../src/partner/receipts';

jest.setTimeout(30_000);

type Row = Record<string, unknown>;

/*
 * The vehicles service's part in a customer merge (issue #14): privacy.merge.requested.v1 and
 * privacy.merge.undo.requested.v1 through the real broker into its consumer; the customers
 * service's answers to partner events are published by the test in its place.
 */
describe('merge of two customers (real Postgres and RabbitMQ)', () => {
  let h: VehiclesHarness;
  let connection: ChannelModel;
  let channel: Channel;
  let visits: ReturnType<typeof visitsOf>;
  let vehicles: ReturnType<typeof vehiclesOf>;
  let sales: ReturnType<typeof salesOf>;
  beforeAll(async () => {
    h = await startVehicles('merge', { consumer: { retryDelayMs: 200, maxAttempts: 2 } });
    visits = visitsOf(h.app);
    vehicles = vehiclesOf(h.app);
    sales = salesOf(h.app);
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await connection.close();
    await h.close();
  });

  let clock = Date.parse('2026-06-01T08:00:00Z');
  const envelope = (
    tenantId: string,
    type: string,
    payload: object,
    eventId: string = randomUUID(),
  ) =>
    ({
      eventId,
      type,
      occurredAt: new Date((clock += 1000)).toISOString(),
      tenantId,
      producer: 'partner:booking-portal',
      correlationId: null,
      payload,
    }) satisfies EventEnvelope;
  const publish = (event: EventEnvelope): void => {
    channel.publish(h.eventsExchange, event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true,
    });
  };
  const rows = (sql: string, params: unknown[]) => h.dataSource.query<Row[]>(sql, params);

  const resolved = (t: TenantFixture, partnerEventId: string, customerId: string) =>
    envelope(t.tenantId, 'customers.contact.resolved.v1', {
      partnerEventId,
      partnerEventType: 'partner.booking.created.v1',
      customerId,
      outcome: 'matched',
      stationIds: [t.stationA],
    });
  const booking = (t: TenantFixture, bookingId: string, eventId?: string) =>
    envelope(
      t.tenantId,
      'partner.booking.created.v1',
      {
        bookingId,
        stationId: t.stationA,
        scheduledAt: '2026-07-01T09:00:00Z',
        channel: 'online_booking',
        customer: { firstName: 'Maija', lastName: 'Testi', phone: '+358401119999' },
      },
      eventId,
    );
  const visitByRef = (t: TenantFixture, ref: string, ready: (v: Row) => boolean = () => true) =>
    eventually(async () => {
      const [row] = await rows(
        'SELECT * FROM vehicles.visits WHERE tenant_id = $1 AND external_id = $2',
        [t.tenantId, ref],
      );
      return row && ready(row) ? row : undefined;
    });

  const pair = (survivorId: string, duplicateId: string) => ({
    mergeId: randomUUID(),
    survivorId,
    duplicateId,
  });
  type Pair = ReturnType<typeof pair>;
  const mergeOf = (t: TenantFixture, p: Pair) =>
    envelope(t.tenantId, MERGE_REQUESTED_V1, { ...p, requestedAt: new Date().toISOString() });
  const undoOf = (t: TenantFixture, p: Pair) =>
    envelope(t.tenantId, MERGE_UNDO_REQUESTED_V1, {
      ...p,
      requestedAt: new Date().toISOString(),
    });
  /** The service's answers of this type about the merge, once there are `n`. */
  const answersTo = <T>(type: string, mergeId: string, n = 1) =>
    eventually(async () => {
      const found = (await h.outbox(type))
        .map((r) => r.payload as unknown as T & { mergeId: string })
        .filter((a) => a.mergeId === mergeId);
      return found.length >= n ? found : undefined;
    });
  const merged = async (t: TenantFixture, p: Pair): Promise<MergeCompletedV1> => {
    publish(mergeOf(t, p));
    return (await answersTo<MergeCompletedV1>(MERGE_COMPLETED_V1, p.mergeId))[0];
  };
  const undone = async (t: TenantFixture, p: Pair, n = 1): Promise<MergeUndoneV1> => {
    publish(undoOf(t, p));
    return (await answersTo<MergeUndoneV1>(MERGE_UNDONE_V1, p.mergeId, n))[n - 1];
  };

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
    ],
    totalMinor: 5990,
    ...over,
  });
  const visitFor = (t: TenantFixture, customerId: string, vehicleId?: string) =>
    visits.create(t.worker, {
      customerId,
      vehicleId,
      kind: 'booking',
      channel: 'phone',
      scheduledAt: '2026-12-01T09:00:00+02:00',
    });

  /**
   * Two customers of one person: the duplicate owns a car of its own (the default customer),
   * drives the survivor's car (a link the survivor has too; the car's default customer), has two visits and a receipt at
   * reception, a partner booking answered as theirs, and an answer kept for a partner event
   * still to come.
   */
  async function duplicateWithHistory(t: TenantFixture) {
    const survivorId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const duplicateId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const own = await vehicles.create(t.admin, { registration: `MG-${randomUUID().slice(0, 4)}` });
    await vehicles.link(t.admin, own.id, {
      customerId: duplicateId,
      role: 'owner',
      isDefault: true,
    });
    const shared = await vehicles.create(t.admin, {
      registration: `MS-${randomUUID().slice(0, 4)}`,
    });
    await vehicles.link(t.admin, shared.id, { customerId: survivorId, role: 'owner' });
    await vehicles.link(t.admin, shared.id, {
      customerId: duplicateId,
      role: 'proxy',
      isDefault: true,
    });
    const first = await visitFor(t, duplicateId, own.id);
    const second = await visitFor(t, duplicateId);
    const sale = await sales.create(t.worker, {
      ...receipt(),
      customerId: duplicateId,
      visitId: first.id,
    });
    const ref = `MG-B-${randomUUID().slice(0, 8)}`;
    const partnerBooking = booking(t, ref);
    publish(partnerBooking);
    publish(resolved(t, partnerBooking.eventId, duplicateId));
    const partnerVisit = await visitByRef(t, ref, (v) => v.customer_id === duplicateId);
    const notYet = randomUUID();
    publish(resolved(t, notYet, duplicateId));
    await eventually(async () =>
      (
        await rows('SELECT 1 FROM vehicles.contact_resolutions WHERE partner_event_id = $1', [
          notYet,
        ])
      ).length
        ? true
        : undefined,
    );
    return {
      survivorId,
      duplicateId,
      own,
      shared,
      first,
      second,
      sale,
      partnerVisitId: partnerVisit.id as string,
      notYet,
    };
  }

  const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id).sort();

  it('moves the duplicate’s links, visits and sales to the survivor and answers with counts', async () => {
    const t = tenantFixture();
    const c = await duplicateWithHistory(t);
    const p = pair(c.survivorId, c.duplicateId);

    const answer = await merged(t, p);

    expect(answer).toMatchObject({
      ...p,
      participant: 'vehicles',
      counts: {
        vehicleLinks: 1,
        vehicleLinksKept: 1,
        visits: 3,
        sales: 1,
      },
    });
    // The survivor's lists show the duplicate's history.
    expect(ids(await visits.ofCustomer(t.worker, c.survivorId, {}))).toEqual(
      [c.first.id, c.second.id, c.partnerVisitId].sort(),
    );
    expect(ids(await sales.ofCustomer(t.worker, c.survivorId, {}))).toEqual([c.sale.id]);
    expect(ids(await vehicles.ofCustomer(t.worker, c.survivorId))).toEqual(
      [c.own.id, c.shared.id].sort(),
    );
    expect(await vehicles.get(t.admin, c.own.id)).toMatchObject({
      customers: [{ customerId: c.survivorId, role: 'owner', isDefault: true }],
    });
    expect(await sales.summary(t.worker, c.survivorId)).toMatchObject({
      customerId: c.survivorId,
      spent: [expect.objectContaining({ currency: 'EUR' })],
    });
    // The survivor had a link to the shared car: the duplicate's stays, counted as kept.
    const shared = await vehicles.get(t.admin, c.shared.id);
    expect(shared.customers.map((l) => l.customerId).sort()).toEqual(
      [c.survivorId, c.duplicateId].sort(),
    );
    // Each moved visit is a new version; the customers service hears of the car's new link.
    expect((await visits.get(t.worker, c.first.id)).version).toBe(c.first.version + 1);
    const linked = (await h.outbox('vehicles.vehicle.linked.v1')).map((e) => e.payload);
    expect(linked).toContainEqual(
      expect.objectContaining({
        vehicleId: c.own.id,
        customers: [expect.objectContaining({ customerId: c.survivorId })],
      }),
    );
    const updated = (await h.outbox('vehicles.visit.updated.v1')).map((e) => e.payload);
    expect(updated).toContainEqual(
      expect.objectContaining({ visitId: c.second.id, customerId: c.survivorId }),
    );
    // The record holds ids only.
    expect(
      await rows(
        `SELECT kind, count(*)::int AS n FROM vehicles.merge_moves WHERE merge_id = $1
          GROUP BY kind ORDER BY kind`,
        [p.mergeId],
      ),
    ).toEqual([
      { kind: 'sale', n: 1 },
      { kind: 'vehicle_link', n: 1 },
      { kind: 'visit', n: 3 },
    ]);
  });

  it('answers a read of the duplicate’s history with the survivor’s', async () => {
    const t = tenantFixture();
    const c = await duplicateWithHistory(t);
    const own = await visitFor(t, c.survivorId);
    await merged(t, pair(c.survivorId, c.duplicateId));

    const all = [c.first.id, c.second.id, c.partnerVisitId, own.id].sort();
    expect(ids(await visits.ofCustomer(t.worker, c.duplicateId, {}))).toEqual(all);
    expect(ids(await visits.list(t.worker, { customerId: c.duplicateId }))).toEqual(all);
    expect(ids(await sales.ofCustomer(t.worker, c.duplicateId, {}))).toEqual([c.sale.id]);
    expect(ids(await sales.list(t.worker, { customerId: c.duplicateId }))).toEqual([c.sale.id]);
    expect(ids(await vehicles.ofCustomer(t.worker, c.duplicateId))).toEqual(
      [c.own.id, c.shared.id].sort(),
    );
    expect(ids(await vehicles.search(t.worker, { customerId: c.duplicateId }))).toEqual(
      [c.own.id, c.shared.id].sort(),
    );
    expect(await sales.summary(t.worker, c.duplicateId)).toMatchObject({
      customerId: c.survivorId,
    });
    // The shared car's default link stayed on the duplicate: reception gets the survivor.
    const arriving = await visits.create(t.worker, {
      vehicleId: c.shared.id,
      kind: 'booking',
      channel: 'walk_in',
      scheduledAt: '2026-12-20T09:00:00+02:00',
    });
    expect(arriving.customerId).toBe(c.survivorId);
  });

  it('gives late partner events and contact answers naming the duplicate to the survivor', async () => {
    const t = tenantFixture();
    const c = await duplicateWithHistory(t);
    // A booking whose answer came before the merge, and one still waiting for its answer.
    const waitingRef = `MG-W-${randomUUID().slice(0, 8)}`;
    const waiting = booking(t, waitingRef);
    publish(waiting);
    await visitByRef(t, waitingRef);
    await merged(t, pair(c.survivorId, c.duplicateId));

    // The partner event the kept answer was for arrives after the merge.
    const lateRef = `MG-L-${randomUUID().slice(0, 8)}`;
    publish(booking(t, lateRef, c.notYet));
    // The answer sent before the merge, naming the duplicate, arrives after it.
    publish(resolved(t, waiting.eventId, c.duplicateId));
    // A new booking answered with the duplicate (a replayed answer, say).
    const newRef = `MG-N-${randomUUID().slice(0, 8)}`;
    const fresh = booking(t, newRef);
    publish(resolved(t, fresh.eventId, c.duplicateId));
    publish(fresh);

    for (const ref of [lateRef, waitingRef, newRef]) {
      expect(
        await visitByRef(t, ref, (v) => v.customer_id !== null).then((v) => v.customer_id),
      ).toBe(c.survivorId);
    }
    expect(
      await rows(
        'SELECT 1 FROM vehicles.contact_resolutions WHERE tenant_id = $1 AND customer_id = $2',
        [t.tenantId, c.duplicateId],
      ),
    ).toEqual([]);
  });

  it('refuses writes that name the duplicate with 409 customer-merged naming the survivor', async () => {
    const t = tenantFixture();
    const survivorId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const duplicateId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const car = await vehicles.create(t.admin, { registration: `MW-${randomUUID().slice(0, 4)}` });
    const visit = await visitFor(t, survivorId);
    await merged(t, pair(survivorId, duplicateId));

    const mergedProblem = { status: 409, type: expect.stringContaining('/customer-merged') };
    const problem = await problemOf(visitFor(t, duplicateId));
    expect(problem).toMatchObject({ ...mergedProblem, survivorId });
    expect(
      await problemOf(vehicles.link(t.admin, car.id, { customerId: duplicateId, role: 'owner' })),
    ).toMatchObject({ ...mergedProblem, survivorId });
    expect(
      await problemOf(sales.create(t.worker, { ...receipt(), customerId: duplicateId })),
    ).toMatchObject({ ...mergedProblem, survivorId });
    expect(
      await problemOf(
        visits.update(t.worker, visit.id, visit.version, { customerId: duplicateId }),
      ),
    ).toMatchObject({ ...mergedProblem, survivorId });
    // Nothing was written for the duplicate.
    expect(
      await rows(
        `SELECT 1 FROM vehicles.visits WHERE tenant_id = $1 AND customer_id = $2
         UNION ALL SELECT 1 FROM vehicles.vehicle_customers WHERE tenant_id = $1 AND customer_id = $2
         UNION ALL SELECT 1 FROM vehicles.sales WHERE tenant_id = $1 AND customer_id = $2`,
        [t.tenantId, duplicateId],
      ),
    ).toEqual([]);
    // The survivor is written to as before.
    expect(await visitFor(t, survivorId)).toMatchObject({ customerId: survivorId });
  });

  it('follows a chain of merges: A into B, then B into C, is C', async () => {
    const t = tenantFixture();
    const [a, b, cId] = [
      await h.knowCustomer(t.tenantId, [t.stationA]),
      await h.knowCustomer(t.tenantId, [t.stationA]),
      await h.knowCustomer(t.tenantId, [t.stationA]),
    ];
    const ofA = await visitFor(t, a);
    const ofB = await visitFor(t, b);
    await merged(t, pair(b, a));
    const second = await merged(t, pair(cId, b));

    expect(second.counts.visits).toBe(2);
    expect(ids(await visits.ofCustomer(t.worker, a, {}))).toEqual([ofA.id, ofB.id].sort());
    expect(await problemOf(visitFor(t, a))).toMatchObject({ status: 409, survivorId: cId });
    // A late answer naming A lands on C.
    const ref = `MG-C-${randomUUID().slice(0, 8)}`;
    const late = booking(t, ref);
    publish(late);
    publish(resolved(t, late.eventId, a));
    expect(await visitByRef(t, ref, (v) => v.customer_id !== null).then((v) => v.customer_id)).toBe(
      cId,
    );
  });

  it('undoes exactly what moved: history added since stays with the survivor, a second undo moves nothing', async () => {
    const t = tenantFixture();
    const c = await duplicateWithHistory(t);
    const p = pair(c.survivorId, c.duplicateId);
    const merge = await merged(t, p);
    const since = await visitFor(t, c.survivorId, c.own.id);

    const undo = await undone(t, p);

    expect(undo).toMatchObject({
      ...p,
      participant: 'vehicles',
      counts: { vehicleLinks: 1, visits: 3, sales: 1 },
    });
    expect(merge.counts.visits).toBe(3);
    expect(ids(await visits.ofCustomer(t.worker, c.duplicateId, {}))).toEqual(
      [c.first.id, c.second.id, c.partnerVisitId].sort(),
    );
    expect(ids(await visits.ofCustomer(t.worker, c.survivorId, {}))).toEqual([since.id]);
    expect(ids(await sales.ofCustomer(t.worker, c.duplicateId, {}))).toEqual([c.sale.id]);
    expect(await vehicles.get(t.admin, c.own.id)).toMatchObject({
      customers: [{ customerId: c.duplicateId, role: 'owner', isDefault: true }],
    });
    expect(ids(await vehicles.ofCustomer(t.worker, c.survivorId))).toEqual([c.shared.id]);
    expect(
      await rows(
        'SELECT customer_id FROM vehicles.contact_resolutions WHERE partner_event_id = $1',
        [c.notYet],
      ),
    ).toEqual([{ customer_id: c.duplicateId }]);
    // The duplicate is a customer of its own again.
    expect(await visitFor(t, c.duplicateId)).toMatchObject({ customerId: c.duplicateId });
    expect(
      await rows('SELECT 1 FROM vehicles.merge_moves WHERE merge_id = $1', [p.mergeId]),
    ).toEqual([]);

    // Asked again (the privacy service's retry), or for a merge never seen: nothing moves.
    const again = await undone(t, p, 2);
    expect(Object.values(again.counts).every((n) => n === 0)).toBe(true);
    const unknown = await undone(t, pair(c.survivorId, c.duplicateId));
    expect(Object.values(unknown.counts).every((n) => n === 0)).toBe(true);
    expect(ids(await visits.ofCustomer(t.worker, c.survivorId, {}))).toEqual([since.id]);
  });

  it('moves nothing twice: a redelivered request is answered once', async () => {
    const t = tenantFixture();
    const c = await duplicateWithHistory(t);
    const p = pair(c.survivorId, c.duplicateId);
    const request = mergeOf(t, p);
    publish(request);
    publish(request);
    // The privacy service asking again sends a new request: the merge is known, nothing moves.
    publish(mergeOf(t, p));
    const answers = await answersTo<MergeCompletedV1>(MERGE_COMPLETED_V1, p.mergeId, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await answersTo(MERGE_COMPLETED_V1, p.mergeId)).toHaveLength(2);
    expect(answers[0].counts.visits).toBe(3);
    expect(Object.values(answers[1].counts).every((n) => n === 0)).toBe(true);
    expect(
      await rows('SELECT count(*)::int AS n FROM vehicles.merge_moves WHERE merge_id = $1', [
        p.mergeId,
      ]),
    ).toEqual([{ n: 5 }]);
    // One undo still moves all of it back.
    expect((await undone(t, p)).counts).toMatchObject({ visits: 3, vehicleLinks: 1 });
  });

  it('changes nothing for a second request with the same merge id after its undo: the history stays the duplicate’s, and so does its mark', async () => {
    const t = tenantFixture();
    const c = await duplicateWithHistory(t);
    const p = pair(c.survivorId, c.duplicateId);
    await merged(t, p);
    await undone(t, p);
    const before = ids(await visits.ofCustomer(t.worker, c.duplicateId, {}));
    expect(before).toHaveLength(3);

    // A replayed dead letter of the first request, or a retry beside it: a new event, same id.
    publish(mergeOf(t, p));
    const [, again] = await answersTo<MergeCompletedV1>(MERGE_COMPLETED_V1, p.mergeId, 2);

    expect(Object.values(again.counts).every((n) => n === 0)).toBe(true);
    expect(ids(await visits.ofCustomer(t.worker, c.duplicateId, {}))).toEqual(before);
    expect(ids(await sales.ofCustomer(t.worker, c.duplicateId, {}))).toEqual([c.sale.id]);
    expect(
      await rows('SELECT 1 FROM vehicles.merge_moves WHERE merge_id = $1', [p.mergeId]),
    ).toEqual([]);
    expect(
      await rows(
        'SELECT status, merged_into FROM vehicles.known_customers WHERE customer_id = $1',
        [c.duplicateId],
      ),
    ).toEqual([{ status: 'active', merged_into: null }]);
    // The duplicate is a customer of its own: a visit for it is its own.
    expect(await visitFor(t, c.duplicateId)).toMatchObject({ customerId: c.duplicateId });
  });

  it('waits for a vehicle link that checked the duplicate before the merge, then moves it', async () => {
    const t = tenantFixture();
    const survivorId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const duplicateId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const car = await vehicles.create(t.admin, { registration: `MR-${randomUUID().slice(0, 4)}` });
    const p = pair(survivorId, duplicateId);
    const answer = async () =>
      (await h.outbox(MERGE_COMPLETED_V1)).find((r) => r.payload.mergeId === p.mergeId);
    const lockWaiters = async (): Promise<number> => {
      const [{ n }] = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return n;
    };
    const untilWaiting = (n: number, done: () => boolean | Promise<boolean>) =>
      eventually(async () => ((await lockWaiters()) >= n || (await done()) ? true : undefined));
    // The link checks the customer in its transaction (holding its row), then waits here for
    // the vehicle's row, which a transaction of the test's own holds.
    const holder = new Client(h.db.settings);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM vehicles.vehicles WHERE id = $1 FOR UPDATE', [car.id]);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await holder.query('COMMIT');
      await holder.end();
    };
    let linked = false;
    try {
      const link = vehicles
        .link(t.admin, car.id, { customerId: duplicateId, role: 'owner' })
        .finally(() => {
          linked = true;
        });
      await untilWaiting(1, () => linked);
      publish(mergeOf(t, p));
      // The merge waits for the link's transaction, which holds the duplicate's row.
      await untilWaiting(2, async () => (await answer()) !== undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await answer()).toBeUndefined();
      await release();
      expect(await link).toMatchObject({
        customers: [expect.objectContaining({ customerId: duplicateId })],
      });
    } finally {
      await release();
    }
    // Then the merge goes on, and moves the link.
    const [done] = await answersTo<MergeCompletedV1>(MERGE_COMPLETED_V1, p.mergeId);
    expect(done.counts.vehicleLinks).toBe(1);
    expect(await vehicles.get(t.admin, car.id)).toMatchObject({
      customers: [expect.objectContaining({ customerId: survivorId })],
    });
  });

  it('gives a partner receipt for the duplicate’s booking, written across the merge, to the survivor', async () => {
    const t = tenantFixture();
    const survivorId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const duplicateId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const ref = `MG-R-${randomUUID().slice(0, 8)}`;
    const partnerBooking = booking(t, ref);
    publish(partnerBooking);
    publish(resolved(t, partnerBooking.eventId, duplicateId));
    const visit = await visitByRef(t, ref, (v) => v.customer_id === duplicateId);
    const receipt = envelope(t.tenantId, PARTNER_SALE_COMPLETED_V1, {
      receiptNumber: `MG-R-${randomUUID().slice(0, 8)}`,
      stationId: t.stationA,
      bookingId: ref,
      soldAt: '2026-07-01T12:00:00Z',
      source: 'pos',
      currency: 'EUR',
      totalMinor: 100,
      lines: [
        {
          kind: 'service',
          name: 'Line',
          quantity: 1,
          unitPriceMinor: 100,
          vatRate: 25.5,
          totalMinor: 100,
        },
      ],
    }) as TypedEvent<typeof PARTNER_SALE_COMPLETED_V1>;
    const p = pair(survivorId, duplicateId);
    // The receipt is written (its booking's customer read: the duplicate) in a transaction that
    // stays open while the merge is delivered, as in another replica's consumer.
    await h.dataSource.transaction(async (manager) => {
      await h.app.get(PartnerReceipts).record(
        {
          manager,
          tenantId: t.tenantId,
          eventId: receipt.eventId,
          source: 'pos',
          occurredAt: receipt.occurredAt,
          correlationId: null,
        },
        receipt,
      );
      publish(mergeOf(t, p));
      await new Promise((resolve) => setTimeout(resolve, 400));
    });
    const [done] = await answersTo<MergeCompletedV1>(MERGE_COMPLETED_V1, p.mergeId);
    expect(done.counts.sales).toBe(1);
    expect(
      await rows(
        'SELECT customer_id, visit_id FROM vehicles.sales WHERE tenant_id = $1 AND receipt_number = $2',
        [t.tenantId, receipt.payload.receiptNumber],
      ),
    ).toEqual([{ customer_id: survivorId, visit_id: visit.id }]);
  });

  it('erasing the survivor deletes the merge records naming either customer', async () => {
    const t = tenantFixture();
    const c = await duplicateWithHistory(t);
    const p = pair(c.survivorId, c.duplicateId);
    await merged(t, p);

    const erasureId = randomUUID();
    publish(
      envelope(t.tenantId, ERASURE_REQUESTED_V1, {
        erasureId,
        customerId: c.survivorId,
        requestedAt: new Date().toISOString(),
        mergedCustomerIds: [c.duplicateId],
      }),
    );
    const answer = await eventually(async () =>
      (await h.outbox(ERASURE_COMPLETED_V1))
        .map((r) => r.payload as unknown as ErasureCompletedV1)
        .find((a) => a.erasureId === erasureId),
    );

    // The survivor's two links and the one the merge left on the duplicate.
    expect(answer.counts).toMatchObject({ mergeMoves: 5, customerMerges: 1, vehicleLinks: 3 });
    expect(
      await rows(
        `SELECT 1 FROM vehicles.merge_moves
          WHERE tenant_id = $1 AND (survivor_id = ANY($2::uuid[]) OR duplicate_id = ANY($2::uuid[]))`,
        [t.tenantId, [c.survivorId, c.duplicateId]],
      ),
    ).toEqual([]);
    expect(
      await rows(
        `SELECT 1 FROM vehicles.customer_merges
          WHERE tenant_id = $1 AND (survivor_id = ANY($2::uuid[]) OR duplicate_id = ANY($2::uuid[]))`,
        [t.tenantId, [c.survivorId, c.duplicateId]],
      ),
    ).toEqual([]);
    // An undo after it finds nothing to move back.
    expect(Object.values((await undone(t, p)).counts).every((n) => n === 0)).toBe(true);
  });
});
