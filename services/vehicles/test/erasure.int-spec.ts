import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { Client } from 'pg';
import {
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  type CreateSaleDto,
  type ErasureCompletedV1,
  type EventEnvelope,
  type VisitView,
} from '@kanta/contracts';
import { deadLetterOf } from '@kanta/testing';
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

jest.setTimeout(30_000);

/*
 * The vehicles service's part in a customer's erasure (issue #14): privacy.erasure.requested.v1
 * through the real broker into its consumer; the customers service's answers to partner events
 * are published by the test in its place.
 */
describe('erasure of a customer (real Postgres and RabbitMQ)', () => {
  let h: VehiclesHarness;
  let connection: ChannelModel;
  let channel: Channel;
  let visits: ReturnType<typeof visitsOf>;
  let vehicles: ReturnType<typeof vehiclesOf>;
  let sales: ReturnType<typeof salesOf>;
  beforeAll(async () => {
    h = await startVehicles('erasure', { consumer: { retryDelayMs: 200, maxAttempts: 2 } });
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
    eventId = randomUUID(),
  ): EventEnvelope => ({
    eventId,
    type,
    occurredAt: new Date((clock += 1000)).toISOString(),
    tenantId,
    producer: 'partner:booking-portal',
    correlationId: null,
    payload,
  });
  const publish = (event: EventEnvelope): void => {
    channel.publish(h.eventsExchange, event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true,
    });
  };
  const resolved = (t: TenantFixture, partnerEventId: string, customerId: string) =>
    envelope(t.tenantId, 'customers.contact.resolved.v1', {
      partnerEventId,
      partnerEventType: 'partner.booking.created.v1',
      customerId,
      outcome: 'matched',
      stationIds: [t.stationA],
    });
  const erasureOf = (t: TenantFixture, customerId: string) =>
    envelope(t.tenantId, ERASURE_REQUESTED_V1, {
      erasureId: randomUUID(),
      customerId,
      requestedAt: new Date().toISOString(),
    });
  /** The service's answers to erasure requests, oldest first, once there are `n`. */
  const answers = (n: number) =>
    eventually(async () => {
      const rows = await h.outbox(ERASURE_COMPLETED_V1);
      return rows.length >= n
        ? rows.map((r) => r.payload as unknown as ErasureCompletedV1)
        : undefined;
    });
  const visitByRef = (t: TenantFixture, ref: string, ready: (v: Row) => boolean = () => true) =>
    eventually(async () => {
      const [row] = await h.dataSource.query<Row[]>(
        'SELECT * FROM vehicles.visits WHERE tenant_id = $1 AND external_id = $2',
        [t.tenantId, ref],
      );
      return row && ready(row) ? row : undefined;
    });
  const rows = (sql: string, params: unknown[]) => h.dataSource.query<Row[]>(sql, params);

  /**
   * Where the token is anywhere in the vehicles schema: every text, JSON and binary column of
   * every table, found from the catalogue (a column added later is scanned too).
   */
  const whereIs = async (token: string): Promise<string[]> => {
    const columns = await rows(
      `SELECT table_name, column_name, udt_name FROM information_schema.columns c
        WHERE table_schema = 'vehicles'
          AND udt_name IN ('text', 'varchar', 'bpchar', 'json', 'jsonb', 'bytea', '_text', '_varchar')
          AND EXISTS (SELECT 1 FROM information_schema.tables t
                       WHERE t.table_schema = c.table_schema AND t.table_name = c.table_name
                         AND t.table_type = 'BASE TABLE')`,
      [],
    );
    expect(columns.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const c of columns) {
      const column = `"${String(c.column_name)}"`;
      const match =
        c.udt_name === 'bytea'
          ? `position(convert_to($1, 'UTF8') IN ${column}) > 0`
          : `position($1 IN ${column}::text) > 0`;
      const [{ n }] = await rows(
        `SELECT count(*)::int AS n FROM vehicles."${String(c.table_name)}" WHERE ${match}`,
        [token],
      );
      if ((n as number) > 0) found.push(`${String(c.table_name)}.${String(c.column_name)}`);
    }
    return found;
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

  /**
   * A customer with everything the service can hold of them, each text with the token in it:
   * a booking at reception (notes, special requests, a partner link), a cancelled one (its
   * reason), a receipt (its URL), a car they own that another customer also drives, a partner
   * booking with contact details and notes answered as theirs, a partner booking still waiting
   * for its answer that reception gave them, an answer kept for a partner event still to come,
   * and a partner event refused as invalid (a dead letter with their contact details).
   */
  async function customerWithHistory(t: TenantFixture, token: string) {
    const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const other = await h.knowCustomer(t.tenantId, [t.stationA]);
    const plate = `ER-${randomUUID().slice(0, 4)}`;
    const car = await vehicles.create(t.admin, { registration: plate });
    await vehicles.link(t.admin, car.id, { customerId, role: 'owner', isDefault: true });
    await vehicles.link(t.admin, car.id, { customerId: other, role: 'proxy' });
    const booked = await visits.create(t.worker, {
      customerId,
      vehicleId: car.id,
      kind: 'inspection',
      channel: 'phone',
      scheduledAt: '2026-12-01T09:00:00+02:00',
      notes: `notes ${token}`,
      specialRequests: `requests ${token}`,
      partnerLink: `https://partner.example.test/${token}`,
      prepaid: { amountMinor: 2500, currency: 'EUR' },
    });
    const cancelled = await visits.create(t.worker, {
      customerId,
      kind: 'booking',
      channel: 'walk_in',
      scheduledAt: '2026-12-02T09:00:00+02:00',
    });
    await visits.update(t.worker, cancelled.id, cancelled.version, {
      status: 'cancelled',
      cancelReason: `reason ${token}`,
    });
    const sale = await sales.create(t.worker, {
      ...receipt({ receiptUrl: `https://pos.example.test/${token}` }),
      customerId,
      visitId: booked.id,
    });
    const ref = `ER-B-${randomUUID().slice(0, 8)}`;
    const contact = { firstName: `First${token}`, lastName: 'Testi', phone: '+358401119999' };
    const partnerBooking = envelope(t.tenantId, 'partner.booking.created.v1', {
      bookingId: ref,
      stationId: t.stationA,
      scheduledAt: '2026-07-01T09:00:00Z',
      channel: 'online_booking',
      customer: contact,
      vehicle: { registration: `${plate}P` },
      notes: `partner notes ${token}`,
      specialRequests: `partner requests ${token}`,
    });
    publish(partnerBooking);
    publish(resolved(t, partnerBooking.eventId, customerId));
    await visitByRef(t, ref, (v) => v.customer_id === customerId);
    // Refused (no numbering plan has this number): kept as a dead letter, contact and all.
    const refused = envelope(t.tenantId, 'partner.booking.created.v1', {
      bookingId: ref,
      stationId: t.stationA,
      scheduledAt: '2026-07-01T09:00:00Z',
      customer: { ...contact, phone: '+35800000000' },
      notes: `refused notes ${token}`,
    });
    publish(refused);
    await deadLetterOf(h.dataSource, 'vehicles', refused.eventId);
    // Valid, but its handling fails for good (the database refuses it, a failure no retry can
    // fix): a dead letter that is no refusal, with the cancel's reason in it.
    const poison = `test_poison_${ref.replace(/-/g, '_').toLowerCase()}`;
    await h.db.query(
      `ALTER TABLE vehicles.visits ADD CONSTRAINT ${poison}
         CHECK (status <> 'cancelled' OR external_id <> '${ref}') NOT VALID`,
    );
    try {
      const cancel = envelope(t.tenantId, 'partner.booking.cancelled.v1', {
        bookingId: ref,
        stationId: t.stationA,
        reason: `cancel reason ${token}`,
      });
      publish(cancel);
      await deadLetterOf(h.dataSource, 'vehicles', cancel.eventId);
    } finally {
      await h.db.query(`ALTER TABLE vehicles.visits DROP CONSTRAINT ${poison}`);
    }
    // A booking whose contact answer has not come: its vehicle and visit wait for it; reception
    // names the customer meanwhile.
    const waitingRef = `ER-W-${randomUUID().slice(0, 8)}`;
    const waiting = envelope(t.tenantId, 'partner.booking.created.v1', {
      bookingId: waitingRef,
      stationId: t.stationA,
      scheduledAt: '2026-07-02T09:00:00Z',
      customer: { ...contact, email: `${token}@example.test` },
      vehicle: { registration: `${plate}W` },
      notes: `waiting notes ${token}`,
    });
    publish(waiting);
    const waitingVisit = await visitByRef(t, waitingRef);
    await visits.update(t.admin, waitingVisit.id as string, waitingVisit.version as number, {
      customerId,
    });
    // An answer about a partner event that has not arrived yet.
    const notYet = randomUUID();
    publish(resolved(t, notYet, customerId));
    await eventually(async () =>
      (
        await rows('SELECT 1 FROM vehicles.contact_resolutions WHERE partner_event_id = $1', [
          notYet,
        ])
      ).length
        ? true
        : undefined,
    );
    expect(await whereIs(token)).toEqual(
      expect.arrayContaining(['visits.notes', 'sales.receipt_url', 'dead_letters.body']),
    );
    return {
      customerId,
      other,
      car,
      booked,
      cancelled,
      sale,
      ref,
      waitingRef,
      refused,
      waiting,
      notYet,
    };
  }

  it('clears the customer’s text and partner data, removes their vehicle links, keeps the business facts and answers with counts', async () => {
    const t = tenantFixture();
    const token = `zq${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const c = await customerWithHistory(t, token);

    publish(erasureOf(t, c.customerId));
    const [answer] = await answers(1);

    expect(await whereIs(token)).toEqual([]);
    expect(answer).toMatchObject({
      customerId: c.customerId,
      participant: 'vehicles',
      counts: {
        visits: 4,
        sales: 1,
        vehicleLinks: 2,
        contactResolutions: 1,
        contactWaits: 1,
        pendingVehicleLinks: 1,
        rejectedPartnerEvents: 1,
        deadLetters: 2,
        commands: 5,
      },
    });
    // The business facts stay, still the (erased) customer's.
    expect(await visits.get(t.worker, c.booked.id)).toMatchObject({
      customerId: c.customerId,
      vehicleId: c.car.id,
      stationId: t.stationA,
      kind: 'inspection',
      channel: 'phone',
      status: 'booked',
      scheduledAt: '2026-12-01T07:00:00.000Z',
      prepaid: { amountMinor: 2500, currency: 'EUR' },
      notes: null,
      specialRequests: null,
      partnerLink: null,
    });
    expect(await visits.get(t.worker, c.cancelled.id)).toMatchObject({
      status: 'cancelled',
      cancelReason: null,
    });
    expect(await visitByRef(t, c.ref)).toMatchObject({
      customer_id: c.customerId,
      channel: 'online_booking',
      notes: null,
      special_requests: null,
    });
    expect(await sales.get(t.worker, c.sale.id)).toMatchObject({
      customerId: c.customerId,
      visitId: c.booked.id,
      totalMinor: 5990,
      lines: [expect.objectContaining({ name: 'Inspection', totalMinor: 5990 })],
      receiptUrl: null,
    });
    // The car stays with its other customer; the customers service hears of it.
    const car = await vehicles.get(t.admin, c.car.id);
    expect(car.customers).toEqual([expect.objectContaining({ customerId: c.other })]);
    const unlinked = (await h.outbox('vehicles.vehicle.unlinked.v1')).map((e) => e.payload);
    expect(unlinked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          vehicleId: c.car.id,
          customers: [expect.objectContaining({ customerId: c.other })],
        }),
      ]),
    );
    expect(
      await rows('SELECT 1 FROM vehicles.vehicle_customers WHERE customer_id = $1', [c.customerId]),
    ).toEqual([]);
    expect(
      await rows(
        'SELECT 1 FROM vehicles.rejected_partner_events WHERE tenant_id = $1 AND event_id = $2',
        [t.tenantId, c.refused.eventId],
      ),
    ).toEqual([]);
    // The command log keeps no fingerprint of the requests that carried the notes.
    expect(
      await rows('SELECT fingerprint FROM vehicles.commands WHERE result_id = ANY($1::uuid[])', [
        [c.booked.id, c.cancelled.id, c.sale.id],
      ]),
    ).toEqual([
      { fingerprint: null },
      { fingerprint: null },
      { fingerprint: null },
      { fingerprint: null },
    ]);
    expect(
      await rows('SELECT status FROM vehicles.known_customers WHERE customer_id = $1', [
        c.customerId,
      ]),
    ).toEqual([{ status: 'erased' }]);
  });

  it('erases nothing twice: a redelivered request is answered once, a new one finds nothing', async () => {
    const t = tenantFixture();
    const token = `zq${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const c = await customerWithHistory(t, token);
    const before = (await h.outbox(ERASURE_COMPLETED_V1)).length;
    const request = erasureOf(t, c.customerId);
    publish(request);
    publish(request);
    // The privacy service asking again (its retry) sends a new request.
    publish(erasureOf(t, c.customerId));
    const all = await answers(before + 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mine = (await h.outbox(ERASURE_COMPLETED_V1))
      .map((r) => r.payload as unknown as ErasureCompletedV1)
      .filter((a) => a.customerId === c.customerId);
    expect(all.length).toBe(before + 2);
    expect(mine).toHaveLength(2);
    expect(mine[0].counts.visits).toBe(4);
    expect(Object.values(mine[1].counts).every((n) => n === 0)).toBe(true);
    // No second round of unlink events either.
    const unlinks = (await h.outbox('vehicles.vehicle.unlinked.v1')).filter(
      (e) => e.payload.vehicleId === c.car.id,
    );
    expect(unlinks).toHaveLength(1);
  });

  it('refuses writes that name the erased customer with 409 customer-erased', async () => {
    const t = tenantFixture();
    const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const car = await vehicles.create(t.admin, { registration: `ER-${randomUUID().slice(0, 4)}` });
    const visit = await visits.create(t.worker, {
      customerId,
      kind: 'booking',
      channel: 'phone',
      scheduledAt: '2026-12-03T09:00:00+02:00',
    });
    publish(erasureOf(t, customerId));
    await eventually(async () =>
      (await h.outbox(ERASURE_COMPLETED_V1)).some((r) => r.payload.customerId === customerId)
        ? true
        : undefined,
    );
    const erased = { status: 409, type: expect.stringContaining('/customer-erased') };
    expect(
      await problemOf(
        visits.create(t.worker, {
          customerId,
          kind: 'booking',
          channel: 'phone',
          scheduledAt: '2026-12-04T09:00:00+02:00',
        }),
      ),
    ).toMatchObject(erased);
    expect(
      await problemOf(vehicles.link(t.admin, car.id, { customerId, role: 'owner' })),
    ).toMatchObject(erased);
    expect(await problemOf(sales.create(t.worker, { ...receipt(), customerId }))).toMatchObject(
      erased,
    );
    // A receipt naming only the erased customer's visit would be theirs.
    expect(
      await problemOf(sales.create(t.worker, { ...receipt(), visitId: visit.id })),
    ).toMatchObject(erased);
    const current = await visits.get(t.worker, visit.id);
    expect(
      await problemOf(visits.update(t.worker, visit.id, current.version, { notes: 'new notes' })),
    ).toMatchObject(erased);
    // Its history goes on without text: the visit can still be completed.
    expect(
      await visits.update(t.worker, visit.id, current.version, { status: 'completed' }),
    ).toMatchObject({ status: 'completed', customerId });
  });

  it('learns an erasure from the customers service’s event too, and refuses writes naming the customer', async () => {
    const t = tenantFixture();
    const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
    publish(
      envelope(t.tenantId, 'customers.customer.updated.v1', {
        customerId,
        customerNumber: 'C-ERASED-1',
        status: 'erased',
        stationIds: [t.stationA],
        version: 2,
        changedFields: ['status'],
      }),
    );
    await eventually(async () =>
      (
        await rows(
          "SELECT 1 FROM vehicles.known_customers WHERE customer_id = $1 AND status = 'erased'",
          [customerId],
        )
      ).length
        ? true
        : undefined,
    );
    expect(
      await problemOf(
        visits.create(t.worker, {
          customerId,
          kind: 'booking',
          channel: 'phone',
          scheduledAt: '2026-12-04T09:00:00+02:00',
        }),
      ),
    ).toMatchObject({ status: 409, type: expect.stringContaining('/customer-erased') });
  });

  it('keeps text and vehicle links off the erased customer when a partner event or an answer comes late', async () => {
    const t = tenantFixture();
    const token = `zq${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const plate = `ER-${randomUUID().slice(0, 4)}L`;
    // Booked by a partner before the erasure; the customers service's answer, sent before the
    // erasure too, arrives after it.
    const ref = `ER-L-${randomUUID().slice(0, 8)}`;
    const booking = envelope(t.tenantId, 'partner.booking.created.v1', {
      bookingId: ref,
      stationId: t.stationA,
      scheduledAt: '2026-07-03T09:00:00Z',
      channel: 'online_booking',
      customer: { firstName: 'Myohassa', phone: '+358401119999' },
      vehicle: { registration: plate },
      notes: `late notes ${token}`,
    });
    publish(booking);
    await visitByRef(t, ref);
    publish(erasureOf(t, customerId));
    await eventually(async () =>
      (await h.outbox(ERASURE_COMPLETED_V1)).some((r) => r.payload.customerId === customerId)
        ? true
        : undefined,
    );
    publish(resolved(t, booking.eventId, customerId));
    // The visit is the erased customer's history, without its text; the car is nobody's.
    expect(await visitByRef(t, ref, (v) => v.customer_id === customerId)).toMatchObject({
      notes: null,
    });
    const [car] = (await vehicles.search(t.admin, { q: plate })).items;
    expect(car.customers).toEqual([]);
    // The partner sends the booking again, as a new event: its notes are not kept either.
    publish(
      envelope(t.tenantId, 'partner.booking.created.v1', {
        bookingId: ref,
        stationId: t.stationA,
        scheduledAt: '2026-07-03T10:00:00Z',
        channel: 'online_booking',
        notes: `resent notes ${token}`,
        specialRequests: `resent requests ${token}`,
      }),
    );
    await visitByRef(t, ref, (v) => new Date(v.scheduled_at as string).getUTCHours() === 10);
    // A receipt of the booking: the erased customer's business history, without its link.
    const receiptNumber = `ER-R-${randomUUID().slice(0, 8)}`;
    publish(
      envelope(t.tenantId, 'partner.sale.completed.v1', {
        receiptNumber,
        receiptUrl: `https://pos.example.test/${token}`,
        stationId: t.stationA,
        soldAt: '2026-07-03T12:00:00Z',
        source: 'pos',
        bookingId: ref,
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
      }),
    );
    expect(
      await eventually(async () => {
        const [sale] = await rows(
          'SELECT customer_id, total_minor FROM vehicles.sales WHERE tenant_id = $1 AND receipt_number = $2',
          [t.tenantId, receiptNumber],
        );
        return sale;
      }),
    ).toEqual({ customer_id: customerId, total_minor: '100' });
    expect(await whereIs(token)).toEqual([]);
  });

  /*
   * A write and an erasure of its customer at the same moment, made to overlap with real row
   * locks: a transaction of the test holds a row the one or the other needs next, and
   * pg_stat_activity tells who waits for a lock.
   */
  describe('a write running while its customer is erased', () => {
    /**
     * How many of this database's sessions wait for a lock now; asked on a connection of its
     * own, as the holder below holds one: the service's pool is small, and busy waiting.
     */
    const lockWaiters = async (): Promise<number> => {
      const [{ n }] = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return n;
    };
    /** Waits until `n` sessions wait for a lock, or `done` says there is no point. */
    const untilWaiting = (n: number, done: () => boolean | Promise<boolean>) =>
      eventually(async () => ((await lockWaiters()) >= n || (await done()) ? true : undefined));
    const answerFor = async (customerId: string) =>
      (await h.outbox(ERASURE_COMPLETED_V1))
        .map((r) => r.payload as unknown as ErasureCompletedV1)
        .find((a) => a.customerId === customerId);
    /**
     * A transaction of the test's own holding the row FOR UPDATE until `release`; released
     * within the service's lock timeout (5 s), after which a waiter gives up.
     */
    const holdRow = async (table: string, id: string) => {
      const holder = new Client(h.db.settings);
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM vehicles.${table} WHERE id = $1 FOR UPDATE`, [id]);
      let released = false;
      return {
        /** A statement in the holding transaction. */
        query: (sql: string, values: unknown[]) => holder.query(sql, values),
        release: async () => {
          if (released) return;
          released = true;
          await holder.query('COMMIT');
          await holder.end();
        },
      };
    };

    it('waits for a vehicle link that checked the customer before the erasure, then removes the link', async () => {
      const t = tenantFixture();
      const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
      const car = await vehicles.create(t.admin, {
        registration: `ER-${randomUUID().slice(0, 4)}R`,
      });
      // The link checks the customer in its transaction, then waits here for the vehicle's row.
      const vehicleRow = await holdRow('vehicles', car.id);
      let linked = false;
      try {
        const link = vehicles.link(t.admin, car.id, { customerId, role: 'owner' }).finally(() => {
          linked = true;
        });
        await untilWaiting(1, () => linked);
        publish(erasureOf(t, customerId));
        // The erasure waits for the link's transaction, which holds the customer's row.
        await untilWaiting(2, async () => (await answerFor(customerId)) !== undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await answerFor(customerId)).toBeUndefined();
        await vehicleRow.release();
        expect(await link).toMatchObject({
          customers: [expect.objectContaining({ customerId })],
        });
      } finally {
        await vehicleRow.release();
      }
      // Then the erasure goes on, and finds the link to remove.
      const answer = await eventually(() => answerFor(customerId));
      expect(answer.counts.vehicleLinks).toBe(1);
      expect(
        await rows('SELECT * FROM vehicles.vehicle_customers WHERE customer_id = $1', [customerId]),
      ).toEqual([]);
    });

    it('waits for a visit’s notes written after the check, then clears them', async () => {
      const t = tenantFixture();
      const token = `zq${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
      const car = await vehicles.create(t.admin, {
        registration: `ER-${randomUUID().slice(0, 4)}P`,
      });
      const visit = await visits.create(t.worker, {
        customerId,
        vehicleId: car.id,
        kind: 'booking',
        channel: 'phone',
        scheduledAt: '2026-12-03T09:00:00+02:00',
        notes: 'first notes',
      });
      // Completing the visit checks its customer, then waits here for its vehicle's row.
      const vehicleRow = await holdRow('vehicles', car.id);
      let settled = false;
      let completion: Promise<VisitView> | undefined;
      try {
        completion = visits
          .update(t.worker, visit.id, visit.version, {
            status: 'completed',
            notes: `notes ${token}`,
          })
          .finally(() => {
            settled = true;
          });
        await untilWaiting(1, () => settled);
        publish(erasureOf(t, customerId));
        // The erasure waits for the visit's change, which holds the customer's row.
        await untilWaiting(2, async () => (await answerFor(customerId)) !== undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await answerFor(customerId)).toBeUndefined();
      } finally {
        await vehicleRow.release();
      }
      expect(await completion).toMatchObject({ status: 'completed', notes: `notes ${token}` });
      // Then the erasure goes on, and clears what the change wrote.
      expect((await eventually(() => answerFor(customerId))).counts.visits).toBe(1);
      expect(await whereIs(token)).toEqual([]);
    });

    it('makes a visit, a visit’s notes or a receipt that come while the erasure runs wait for it, then refuses them with 409', async () => {
      const t = tenantFixture();
      const token = `zq${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
      const booked = await visits.create(t.worker, {
        customerId,
        kind: 'booking',
        channel: 'phone',
        scheduledAt: '2026-12-03T09:00:00+02:00',
        notes: `notes ${token}`,
      });
      const plain = await visits.create(t.worker, {
        customerId,
        kind: 'booking',
        channel: 'walk_in',
        scheduledAt: '2026-12-04T09:00:00+02:00',
      });
      // The erasure marks the customer erased, then waits here to clear the booking's notes.
      const visitRow = await holdRow('visits', booked.id);
      let settled = 0;
      let writes: Promise<unknown>[] = [];
      try {
        publish(erasureOf(t, customerId));
        await untilWaiting(1, () => false);
        writes = [
          visits.create(t.worker, {
            customerId,
            kind: 'booking',
            channel: 'phone',
            scheduledAt: '2026-12-05T09:00:00+02:00',
            notes: `late notes ${token}`,
          }),
          visits.update(t.worker, plain.id, plain.version, { notes: `late notes ${token}` }),
          sales.create(t.worker, {
            ...receipt({ receiptUrl: `https://pos.example.test/${token}` }),
            visitId: plain.id,
          }),
        ].map((w) =>
          w.finally(() => {
            settled += 1;
          }),
        );
        // Each waits for the erasure, which holds the customer's row.
        await untilWaiting(4, () => settled === writes.length);
        expect(settled).toBe(0);
      } finally {
        await visitRow.release();
      }
      const erased = { status: 409, type: expect.stringContaining('/customer-erased') };
      for (const write of writes) expect(await problemOf(write)).toMatchObject(erased);
      await eventually(() => answerFor(customerId));
      expect(
        await rows('SELECT id FROM vehicles.visits WHERE customer_id = $1 ORDER BY id', [
          customerId,
        ]),
      ).toEqual([{ id: booked.id }, { id: plain.id }].sort((a, b) => a.id.localeCompare(b.id)));
      expect(
        await rows('SELECT id FROM vehicles.sales WHERE customer_id = $1', [customerId]),
      ).toEqual([]);
      expect(await whereIs(token)).toEqual([]);
    });

    it('keeps text off a visit booked for a vehicle while the vehicle’s default customer is erased', async () => {
      const t = tenantFixture();
      const token = `zq${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
      const car = await vehicles.create(t.admin, {
        registration: `ER-${randomUUID().slice(0, 4)}D`,
      });
      await vehicles.link(t.admin, car.id, { customerId, role: 'owner', isDefault: true });
      const booked = await visits.create(t.worker, {
        customerId,
        kind: 'booking',
        channel: 'phone',
        scheduledAt: '2026-12-03T09:00:00+02:00',
        notes: `notes ${token}`,
      });
      // The erasure marks the customer, unlinks the car, then waits here to clear the notes.
      const visitRow = await holdRow('visits', booked.id);
      let settled = false;
      let arrival: Promise<VisitView> | undefined;
      try {
        publish(erasureOf(t, customerId));
        await untilWaiting(1, () => false);
        // Reception books the car, which still has its default customer as far as it can see.
        arrival = visits
          .create(t.worker, {
            vehicleId: car.id,
            kind: 'booking',
            channel: 'walk_in',
            scheduledAt: '2026-12-05T09:00:00+02:00',
            notes: `late notes ${token}`,
          })
          .finally(() => {
            settled = true;
          });
        await untilWaiting(2, () => settled);
      } finally {
        await visitRow.release();
      }
      // The customer's visit, made for the erased shell: its facts without its text.
      expect(await arrival).toMatchObject({ customerId, vehicleId: car.id, notes: null });
      await eventually(() => answerFor(customerId));
      expect(await whereIs(token)).toEqual([]);
    });

    it('refuses a receipt naming only a visit that is given an erased customer while the receipt waits for it', async () => {
      const t = tenantFixture();
      const first = await h.knowCustomer(t.tenantId, [t.stationA]);
      const erasedOne = await h.knowCustomer(t.tenantId, [t.stationA]);
      publish(erasureOf(t, erasedOne));
      await eventually(() => answerFor(erasedOne));
      const visit = await visits.create(t.worker, {
        customerId: first,
        kind: 'booking',
        channel: 'phone',
        scheduledAt: '2026-12-06T09:00:00+02:00',
      });
      // The receipt reads the visit's first customer, holds their row, then waits for the
      // visit's; meanwhile the visit is given the erased customer.
      const visitRow = await holdRow('visits', visit.id);
      let settled = false;
      const sale = visitRow
        .query('UPDATE vehicles.visits SET customer_id = $2, version = version + 1 WHERE id = $1', [
          visit.id,
          erasedOne,
        ])
        .then(() => sales.create(t.worker, { ...receipt(), visitId: visit.id }))
        .finally(() => {
          settled = true;
        });
      try {
        await untilWaiting(1, () => settled);
      } finally {
        await visitRow.release();
      }
      expect(await problemOf(sale)).toMatchObject({
        status: 409,
        type: expect.stringContaining('/customer-erased'),
      });
      expect(await rows('SELECT id FROM vehicles.sales WHERE visit_id = $1', [visit.id])).toEqual(
        [],
      );
    });
  });
});

type Row = Record<string, unknown>;
