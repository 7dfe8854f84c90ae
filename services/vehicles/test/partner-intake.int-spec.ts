import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { EventEnvelope } from '@kanta/contracts';
import { OutboxRelay } from '@kanta/messaging';
import { deadLetterOf } from '@kanta/testing';
import { RejectedPartnerEvents } from '../src/partner/rejected-events';
import { SalesService } from '../src/sales/sales.service';
import {
  AMQP_URL,
  eventually,
  inOneHeldBatch,
  startVehicles,
  tenantFixture,
  vehiclesOf,
  visitsOf,
  type VehiclesHarness,
} from './support';

jest.setTimeout(30_000);

/*
 * Partner events through the real broker into the vehicles service's consumer; the customers
 * service's answers (customers.contact.resolved.v1) are published by the test in its place.
 */
describe('partner intake (real Postgres and RabbitMQ)', () => {
  let h: VehiclesHarness;
  let connection: ChannelModel;
  let channel: Channel;
  let visits: ReturnType<typeof visitsOf>;
  let vehicles: ReturnType<typeof vehiclesOf>;
  beforeAll(async () => {
    h = await startVehicles('partner', { consumer: { retryDelayMs: 200, maxAttempts: 2 } });
    visits = visitsOf(h.app);
    vehicles = vehiclesOf(h.app);
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await channel.deleteQueue(`${h.queuePrefix}vehicles.events`).catch(() => undefined);
    await channel.deleteQueue(`${h.queuePrefix}vehicles.events.retry`).catch(() => undefined);
    await channel.deleteQueue(`${h.queuePrefix}vehicles.events.dlq`).catch(() => undefined);
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
  const publish = (event: EventEnvelope | string, routingKey?: string): void => {
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    channel.publish(
      h.eventsExchange,
      routingKey ?? (event as EventEnvelope).type,
      Buffer.from(body),
      { persistent: true },
    );
  };
  const resolved = (
    tenantId: string,
    partnerEventId: string,
    customerId: string | null,
    stationIds: string[],
    partnerEventType = 'partner.booking.created.v1',
  ) =>
    envelope(tenantId, 'customers.contact.resolved.v1', {
      partnerEventId,
      partnerEventType,
      customerId,
      outcome: customerId ? 'created' : 'insufficient',
      stationIds,
    });
  /** A receipt of one line (VAT 25.5 %) at a POS of the tenant's. */
  const receiptEvent = (
    tenantId: string,
    stationId: string,
    receiptNumber: string,
    extra: object = {},
    line: { kind: 'service' | 'product'; totalMinor: number } = {
      kind: 'service',
      totalMinor: 100,
    },
  ) =>
    envelope(tenantId, 'partner.sale.completed.v1', {
      receiptNumber,
      stationId,
      soldAt: '2026-07-01T12:00:00Z',
      source: 'pos',
      currency: 'EUR',
      totalMinor: line.totalMinor,
      lines: [
        {
          kind: line.kind,
          name: 'Line',
          quantity: 1,
          unitPriceMinor: line.totalMinor,
          vatRate: 25.5,
          totalMinor: line.totalMinor,
        },
      ],
      ...extra,
    });
  /** The tenant's sale of that receipt number, once `ready` says so. */
  const saleByNumber = (
    tenantId: string,
    receiptNumber: string,
    ready: (s: Record<string, unknown>) => boolean = () => true,
  ) =>
    eventually(async () => {
      const [row] = await h.dataSource.query<Record<string, unknown>[]>(
        'SELECT * FROM vehicles.sales WHERE tenant_id = $1 AND receipt_number = $2',
        [tenantId, receiptNumber],
      );
      return row && ready(row) ? row : undefined;
    });
  /** Waits until the answer to a partner event not yet handled is kept for it. */
  const answerKept = (partnerEventId: string) =>
    eventually(async () =>
      (
        await h.dataSource.query<unknown[]>(
          'SELECT 1 FROM vehicles.contact_resolutions WHERE partner_event_id = $1',
          [partnerEventId],
        )
      ).length
        ? true
        : undefined,
    );
  const visitByRef = (
    tenantId: string,
    ref: string,
    ready: (v: Record<string, unknown>) => boolean = () => true,
  ) =>
    eventually(async () => {
      const [row] = await h.dataSource.query<Record<string, unknown>[]>(
        'SELECT * FROM vehicles.visits WHERE tenant_id = $1 AND external_id = $2',
        [tenantId, ref],
      );
      return row && ready(row) ? row : undefined;
    });
  /** The partner events whose contact answers the visit still waits for. */
  const visitWaits = async (visitId: unknown): Promise<string[]> =>
    (
      await h.dataSource.query<{ partner_event_id: string }[]>(
        `SELECT partner_event_id FROM vehicles.visit_contact_waits WHERE visit_id = $1
          ORDER BY partner_event_id`,
        [visitId],
      )
    ).map((r) => r.partner_event_id);
  /** Until the visit waits for exactly n answers. */
  const waitsFor = (visitId: unknown, n: number) =>
    eventually(async () => ((await visitWaits(visitId)).length === n ? true : undefined));
  const booking = (stationId: string, ref: string, extra: object = {}) => ({
    bookingId: ref,
    stationId,
    scheduledAt: '2026-07-01T09:00:00Z',
    channel: 'online_booking',
    customer: { firstName: 'Varaaja', lastName: 'Testi', phone: '+358401119999' },
    vehicle: { registration: 'tst-501', make: 'Make' },
    notes: 'winter tyres',
    ...extra,
  });

  const bookingEvent = (tenantId: string, stationId: string, ref: string, extra: object = {}) =>
    envelope(tenantId, 'partner.booking.created.v1', booking(stationId, ref, extra));
  /** An online check-in for a booking with the customer's contact details. */
  const checkInEvent = (
    tenantId: string,
    stationId: string,
    bookingId: string,
    customer: object,
    extra: object = {},
  ) =>
    envelope(tenantId, 'partner.customer_details.submitted.v1', {
      submissionId: `CHK-${bookingId}`,
      stationId,
      source: 'online_check_in',
      bookingId,
      customer,
      ...extra,
    });

  /**
   * Holds the consumer's batch with a first booking whose lock the test has taken, so the events
   * published meanwhile gather into the next batch, as a burst does in production.
   */
  const inOneBatch = (tenantId: string, stationId: string, events: EventEnvelope[]) => {
    const gate = `GATE-${randomUUID()}`;
    return inOneHeldBatch(
      h.dataSource,
      `vehicles:${tenantId}:booking:${gate}`,
      () =>
        publish(
          bookingEvent(tenantId, stationId, gate, { customer: undefined, vehicle: undefined }),
        ),
      () => events.forEach((event) => publish(event)),
    );
  };
  const inboxTransactions = async (events: EventEnvelope[]): Promise<number> =>
    (
      await h.dataSource.query<unknown[]>(
        'SELECT DISTINCT processed_at FROM vehicles.inbox WHERE event_id = ANY($1)',
        [events.map((e) => e.eventId)],
      )
    ).length;

  it('takes a batch of mixed events in one transaction: bookings, their answers in either order, a customer, a booking twice', async () => {
    const t = tenantFixture();
    const [first, second] = [randomUUID(), randomUUID()];
    const b1 = bookingEvent(t.tenantId, t.stationA, 'MIX-1', {
      vehicle: { registration: 'MIX-001' },
    });
    const b2 = bookingEvent(t.tenantId, t.stationA, 'MIX-2', {
      vehicle: { registration: 'MIX-002', make: 'Make' },
    });
    // Both bookings name one plate too, in one batch: one vehicle, linked to both customers.
    const b3 = bookingEvent(t.tenantId, t.stationA, 'MIX-3', {
      vehicle: { registration: 'mix 002', model: 'Model' },
    });
    const created = envelope(t.tenantId, 'customers.customer.created.v1', {
      customerId: first,
      customerNumber: '1',
      kind: 'person',
      status: 'active',
      origin: 'online_booking',
      stationIds: [t.stationA],
      version: 1,
    });
    const events = [
      resolved(t.tenantId, b2.eventId, second, [t.stationA]),
      b1,
      b2,
      b3,
      b1,
      resolved(t.tenantId, b1.eventId, first, [t.stationA]),
      resolved(t.tenantId, b3.eventId, first, [t.stationA]),
      created,
    ];

    await inOneBatch(t.tenantId, t.stationA, events);
    const visit1 = await visitByRef(t.tenantId, 'MIX-1', (v) => v.customer_id === first);
    await visitByRef(t.tenantId, 'MIX-2', (v) => v.customer_id === second);
    await visitByRef(t.tenantId, 'MIX-3', (v) => v.customer_id === first);

    expect(await inboxTransactions(events)).toBe(1);
    // Recorded, then its answer attached: the copy of the booking changed nothing.
    expect(visit1.version).toBe(2);
    const [car1] = (await vehicles.search(t.admin, { q: 'MIX001' })).items;
    expect(car1.customers).toEqual([
      expect.objectContaining({ customerId: first, role: 'owner', isDefault: true }),
    ]);
    const cars = (await vehicles.search(t.admin, { q: 'MIX002' })).items;
    expect(cars).toHaveLength(1);
    expect(cars[0]).toMatchObject({ make: 'Make', model: 'Model' });
    expect(cars[0].customers.map((c) => [c.customerId, c.role, c.isDefault]).sort()).toEqual(
      [
        [second, 'owner', true],
        [first, 'proxy', false],
      ].sort(),
    );
    const [known] = await h.dataSource.query<{ version: number }[]>(
      'SELECT version FROM vehicles.known_customers WHERE tenant_id = $1 AND customer_id = $2',
      [t.tenantId, first],
    );
    expect(known.version).toBe(1);
  });

  it('fills in a vehicle the tenant had from a batch that names its plate twice', async () => {
    const t = tenantFixture();
    const before = bookingEvent(t.tenantId, t.stationA, 'OLD-1', {
      vehicle: { registration: 'OLD-001' },
    });
    publish(before);
    await visitByRef(t.tenantId, 'OLD-1', () => true);
    const events = [
      bookingEvent(t.tenantId, t.stationA, 'OLD-2', {
        vehicle: { registration: 'old 001', make: 'Make', vin: 'WVWZZZ1JZXW000001' },
      }),
      bookingEvent(t.tenantId, t.stationA, 'OLD-3', {
        vehicle: { registration: 'OLD001', make: 'Other', model: 'Model' },
      }),
    ];

    await inOneBatch(t.tenantId, t.stationA, events);
    await visitByRef(t.tenantId, 'OLD-3', () => true);

    expect(await inboxTransactions(events)).toBe(1);
    const cars = (await vehicles.search(t.admin, { q: 'OLD001' })).items;
    // One vehicle; what it lacked filled in by each sighting in turn, nothing overwritten.
    expect(cars).toHaveLength(1);
    expect(cars[0]).toMatchObject({ make: 'Make', model: 'Model', vin: 'WVWZZZ1JZXW000001' });
  });

  it('handles a failed batch one by one: the poison booking goes to the DLQ alone, the rest of its batch once', async () => {
    const t = tenantFixture();
    // The database refuses this one booking's visit: a failure no retry can fix. (A change of the
    // table: the administrator's, the service's own role may not.)
    await h.db.query(
      `ALTER TABLE vehicles.visits ADD CONSTRAINT test_poison CHECK (external_id <> 'POISON-1')`,
    );
    try {
      const poison = bookingEvent(t.tenantId, t.stationA, 'POISON-1', {
        vehicle: { registration: 'PSN-001' },
      });
      const good = bookingEvent(t.tenantId, t.stationA, 'GOOD-P1', {
        vehicle: { registration: 'PSN-002' },
      });
      const customerId = randomUUID();
      const answer = resolved(t.tenantId, good.eventId, customerId, [t.stationA]);

      await inOneBatch(t.tenantId, t.stationA, [good, poison, good, answer]);
      const visit = await visitByRef(t.tenantId, 'GOOD-P1', (v) => v.customer_id === customerId);
      const dead = await deadLetterOf(h.dataSource, 'vehicles', poison.eventId);

      expect(dead).toMatchObject({ reason: 'handler-failed', attempts: 2 });
      expect(dead.last_error).toContain('test_poison');
      expect(visit.version).toBe(2);
      // Nothing of the poison booking stayed: its vehicle went with the rolled-back attempts.
      expect((await vehicles.search(t.admin, { q: 'PSN001' })).items).toEqual([]);
      expect((await vehicles.search(t.admin, { q: 'PSN002' })).items[0].customers).toHaveLength(1);
    } finally {
      await h.db.query('ALTER TABLE vehicles.visits DROP CONSTRAINT test_poison');
    }
  });

  it('records a booking with its vehicle and attaches the customer when the answer follows', async () => {
    const t = tenantFixture();
    const event = bookingEvent(t.tenantId, t.stationA, 'B-1');
    publish(event);
    const visit = await visitByRef(t.tenantId, 'B-1');
    expect(visit).toMatchObject({
      status: 'booked',
      customer_id: null,
      notes: 'winter tyres',
      source: 'partner:booking-portal',
    });
    const customerId = randomUUID();
    expect(await visitWaits(visit.id)).toEqual([event.eventId]);
    publish(resolved(t.tenantId, event.eventId, customerId, [t.stationA]));
    // Answered, it waits no more.
    await visitByRef(t.tenantId, 'B-1', (v) => v.customer_id === customerId);
    expect(await visitWaits(visit.id)).toEqual([]);
    const car = (await vehicles.search(t.admin, { q: 'TST501' })).items[0];
    expect(car).toMatchObject({ registration: 'tst-501', make: 'Make' });
    expect(car.customers).toEqual([
      expect.objectContaining({ customerId, role: 'owner', isDefault: true }),
    ]);
    // The customer's visits show the car's plate as the partner typed it.
    expect(
      (await visits.ofCustomer(t.worker, customerId, {})).items.map((v) => [
        v.externalId,
        v.registration,
      ]),
    ).toEqual([['B-1', 'tst-501']]);
  });

  it('stops keeping a vehicle waiting when the contact resolves to nobody, and gives up on old answers', async () => {
    const t = tenantFixture();
    const event = bookingEvent(t.tenantId, t.stationA, 'B-NOBODY', {
      vehicle: { registration: 'TST-777' },
    });
    publish(event);
    await visitByRef(t.tenantId, 'B-NOBODY');
    const waiting = () =>
      h.dataSource.query<{ vehicle_id: string }[]>(
        'SELECT vehicle_id FROM vehicles.pending_vehicle_links WHERE partner_event_id = $1',
        [event.eventId],
      );
    expect(await waiting()).toHaveLength(1);
    publish(resolved(t.tenantId, event.eventId, null, []));
    await eventually(async () => ((await waiting()).length === 0 ? true : undefined));
    const car = (await vehicles.search(t.admin, { q: 'TST777' })).items[0];
    expect(car.customers).toEqual([]);
    // The visit waits for that answer no more: a check-in for the booking names its customer.
    const checkIn = checkInEvent(t.tenantId, t.stationA, 'B-NOBODY', {
      firstName: 'Myohemmin',
      email: 'later@example.test',
    });
    publish(checkIn);
    const later = randomUUID();
    publish(resolved(t.tenantId, checkIn.eventId, later, [t.stationA], checkIn.type));
    await visitByRef(t.tenantId, 'B-NOBODY', (v) => v.customer_id === later);
    // An answer whose partner event never came is kept for EVENTS_WAIT_RETENTION_DAYS (30).
    const [old, recent] = [randomUUID(), randomUUID()];
    await h.dataSource.query(
      `INSERT INTO vehicles.contact_resolutions (tenant_id, partner_event_id, customer_id, resolved_at)
       VALUES ($1, $2, NULL, now() - interval '31 days'), ($1, $3, NULL, now() - interval '29 days')`,
      [t.tenantId, old, recent],
    );
    // So is a visit's wait for an answer that never came.
    const visit = await visitByRef(t.tenantId, 'B-NOBODY');
    await h.dataSource.query(
      `INSERT INTO vehicles.visit_contact_waits (tenant_id, partner_event_id, visit_id, waiting_since)
       VALUES ($1, $2, $4, now() - interval '31 days'), ($1, $3, $4, now() - interval '29 days')`,
      [t.tenantId, old, recent, visit.id],
    );
    await h.app.get(OutboxRelay).deleteExpired();
    const kept = await h.dataSource.query<{ partner_event_id: string }[]>(
      'SELECT partner_event_id FROM vehicles.contact_resolutions WHERE tenant_id = $1',
      [t.tenantId],
    );
    // The answer to the booking is not kept: the booking was handled before it came.
    expect(kept.map((r) => r.partner_event_id)).toEqual([recent]);
    expect(await visitWaits(visit.id)).toEqual([recent]);
  });

  it('links the customer in the role the partner gave (the driver of a leased car), whichever came first', async () => {
    const t = tenantFixture();
    const driver = (ref: string, registration: string) =>
      bookingEvent(t.tenantId, t.stationA, ref, {
        vehicle: { registration, customerRole: 'proxy' },
      });
    const after = driver('B-LEASE-1', 'TST-880');
    publish(after);
    await visitByRef(t.tenantId, 'B-LEASE-1');
    const [late, early] = [randomUUID(), randomUUID()];
    publish(resolved(t.tenantId, after.eventId, late, [t.stationA]));
    const before = driver('B-LEASE-2', 'TST-881');
    publish(resolved(t.tenantId, before.eventId, early, [t.stationA]));
    await answerKept(before.eventId);
    publish(before);
    for (const [plate, customerId] of [
      ['TST880', late],
      ['TST881', early],
    ]) {
      const car = await eventually(async () => {
        const found = (await vehicles.search(t.admin, { q: plate })).items[0];
        return found?.customers.length ? found : undefined;
      });
      // Without the role it would be the owner: the vehicle had none.
      expect(car.customers).toEqual([
        expect.objectContaining({ customerId, role: 'proxy', isDefault: true }),
      ]);
    }
  });

  it('attaches the customer at once when the answer came first, and counts a redelivery once', async () => {
    const t = tenantFixture();
    const event = bookingEvent(t.tenantId, t.stationA, 'B-2', {
      vehicle: { registration: 'TST-502' },
    });
    const customerId = randomUUID();
    publish(resolved(t.tenantId, event.eventId, customerId, [t.stationA]));
    await answerKept(event.eventId);
    publish(event);
    publish(event);
    const visit = await visitByRef(t.tenantId, 'B-2');
    expect(visit.customer_id).toBe(customerId);
    // Both copies are in the inbox's hands: wait for a later event, then count.
    const marker = envelope(t.tenantId, 'partner.booking.cancelled.v1', {
      bookingId: 'MARKER-2',
      stationId: t.stationA,
    });
    publish(marker);
    await visitByRef(t.tenantId, 'MARKER-2');
    const [again] = await h.dataSource.query<{ version: number }[]>(
      'SELECT version FROM vehicles.visits WHERE external_id = $1',
      ['B-2'],
    );
    expect(again.version).toBe(1);
    expect((await vehicles.search(t.admin, { q: 'TST502' })).items[0].customers).toHaveLength(1);
  });

  it('converges to the same visit whichever order booking, reschedule and completion arrive in', async () => {
    const t = tenantFixture();
    const state = async (ref: string, order: string[]) => {
      const events: Record<string, EventEnvelope> = {
        created: bookingEvent(t.tenantId, t.stationA, ref, {
          customer: undefined,
          vehicle: undefined,
          kind: 'inspection',
        }),
        rescheduled: envelope(t.tenantId, 'partner.booking.rescheduled.v1', {
          bookingId: ref,
          stationId: t.stationA,
          scheduledAt: '2026-07-02T10:00:00Z',
        }),
        completed: envelope(t.tenantId, 'partner.work.completed.v1', {
          bookingId: ref,
          workOrderId: `WO-${ref}`,
          kind: 'work_order',
          stationId: t.stationA,
          completedAt: '2026-07-02T11:00:00Z',
          link: 'https://dms.example.test/wo/1',
        }),
      };
      for (const name of order) publish(events[name]);
      const row = await visitByRef(t.tenantId, ref, (v) => Number(v.version) === 3);
      return {
        status: row.status,
        kind: row.kind,
        channel: row.channel,
        notes: row.notes,
        scheduled: new Date(row.scheduled_at as string).toISOString(),
        link: row.partner_link,
      };
    };
    const inOrder = await state('O-1', ['created', 'rescheduled', 'completed']);
    expect(inOrder).toEqual({
      status: 'completed',
      kind: 'inspection',
      channel: 'online_booking',
      notes: 'winter tyres',
      scheduled: '2026-07-02T10:00:00.000Z',
      link: 'https://dms.example.test/wo/1',
    });
    expect(await state('O-2', ['completed', 'created', 'rescheduled'])).toEqual(inOrder);
    expect(await state('O-3', ['rescheduled', 'completed', 'created'])).toEqual(inOrder);
  });

  it('cancels the visit of a cancelled booking, also when the cancel overtook its booking', async () => {
    const t = tenantFixture();
    const cancel = (ref: string) =>
      envelope(t.tenantId, 'partner.booking.cancelled.v1', {
        bookingId: ref,
        stationId: t.stationA,
        reason: 'customer called',
      });
    // In order: booked, then cancelled.
    publish(
      bookingEvent(t.tenantId, t.stationA, 'C-1', { customer: undefined, vehicle: undefined }),
    );
    await visitByRef(t.tenantId, 'C-1', (v) => v.status === 'booked');
    publish(cancel('C-1'));
    const cancelled = await visitByRef(t.tenantId, 'C-1', (v) => Number(v.version) === 2);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'customer called',
      notes: 'winter tyres',
    });
    // The cancel sent again without its reason keeps the reason said before.
    publish(
      envelope(t.tenantId, 'partner.booking.cancelled.v1', {
        bookingId: 'C-1',
        stationId: t.stationA,
      }),
    );
    expect(await visitByRef(t.tenantId, 'C-1', (v) => Number(v.version) === 3)).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'customer called',
    });

    // The booking was made first (earlier occurredAt) but its cancel is delivered before it.
    const booked = bookingEvent(t.tenantId, t.stationA, 'C-2', {
      customer: undefined,
      vehicle: undefined,
      kind: 'inspection',
      scheduledAt: '2026-07-03T09:00:00Z',
    });
    publish(cancel('C-2'));
    const early = await visitByRef(t.tenantId, 'C-2');
    expect(early).toMatchObject({ status: 'cancelled', version: 1 });
    publish(booked);
    const late = await visitByRef(t.tenantId, 'C-2', (v) => Number(v.version) === 2);
    // The booking fills in its details but does not bring the visit back to booked.
    expect(late).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'customer called',
      kind: 'inspection',
      channel: 'online_booking',
      notes: 'winter tyres',
    });
    expect(new Date(late.scheduled_at as string).toISOString()).toBe('2026-07-03T09:00:00.000Z');
    expect((await visits.get(t.admin, late.id as string)).status).toBe('cancelled');
  });

  it('marks a no-show the booking system reported, also when it overtook its booking', async () => {
    const t = tenantFixture();
    const noShow = (ref: string) =>
      envelope(t.tenantId, 'partner.booking.no_show.v1', { bookingId: ref, stationId: t.stationA });
    const customerId = await h.knowCustomer(t.tenantId, [t.stationA]);
    const booked = bookingEvent(t.tenantId, t.stationA, 'NS-1', { vehicle: undefined });
    publish(booked);
    publish(resolved(t.tenantId, booked.eventId, customerId, [t.stationA]));
    await visitByRef(t.tenantId, 'NS-1', (v) => v.customer_id === customerId);
    publish(noShow('NS-1'));
    await visitByRef(t.tenantId, 'NS-1', (v) => v.status === 'no_show');
    // Reported before its booking arrived: the booking fills in the details, the status stays.
    const early = noShow('NS-2');
    const late = bookingEvent(t.tenantId, t.stationA, 'NS-2', {
      customer: undefined,
      vehicle: undefined,
    });
    publish(early);
    expect(await visitByRef(t.tenantId, 'NS-2')).toMatchObject({ status: 'no_show', version: 1 });
    publish({ ...late, occurredAt: new Date(Date.parse(early.occurredAt) - 60_000).toISOString() });
    expect(await visitByRef(t.tenantId, 'NS-2', (v) => Number(v.version) === 2)).toMatchObject({
      status: 'no_show',
      notes: 'winter tyres',
    });
    // The customer's summary counts it.
    expect((await h.app.get(SalesService).summary(t.admin, customerId)).noShows).toBe(1);
  });

  it('does not let a partner event that happened before reception’s change, or a no-show, undo it', async () => {
    const t = tenantFixture();
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const partner = (type: string, payload: object, occurredAt: string) => ({
      ...envelope(t.tenantId, type, { stationId: t.stationA, ...payload }),
      occurredAt,
    });
    publish(
      bookingEvent(t.tenantId, t.stationA, 'R-1', { customer: undefined, vehicle: undefined }),
    );
    const booked = await visitByRef(t.tenantId, 'R-1');
    // Reception reschedules, then completes the visit.
    await visits.update(t.worker, booked.id as string, 1, { scheduledAt: '2026-07-02T08:00:00Z' });
    await visits.update(t.worker, booked.id as string, 2, { status: 'completed' });
    // The booking system's cancel and reschedule from before that, delivered late (a replay);
    // and its automatic no-show, sent after the completion.
    publish(partner('partner.booking.cancelled.v1', { bookingId: 'R-1' }, at(-10)));
    publish(
      partner(
        'partner.booking.rescheduled.v1',
        { bookingId: 'R-1', scheduledAt: '2026-07-09T08:00:00Z' },
        at(-10),
      ),
    );
    publish(partner('partner.booking.no_show.v1', { bookingId: 'R-1' }, at(10)));
    const after = await visitByRef(t.tenantId, 'R-1', (v) => Number(v.version) === 6);
    expect(after.status).toBe('completed');
    expect(new Date(after.scheduled_at as string).toISOString()).toBe('2026-07-02T08:00:00.000Z');
    // A later no-show delivered before an earlier completion: completed either way.
    publish(
      bookingEvent(t.tenantId, t.stationA, 'R-2', { customer: undefined, vehicle: undefined }),
    );
    await visitByRef(t.tenantId, 'R-2');
    publish(partner('partner.booking.no_show.v1', { bookingId: 'R-2' }, at(20)));
    await visitByRef(t.tenantId, 'R-2', (v) => v.status === 'no_show');
    publish(
      partner(
        'partner.work.completed.v1',
        {
          bookingId: 'R-2',
          workOrderId: 'WO-R-2',
          kind: 'inspection',
          completedAt: '2026-07-01T10:00:00Z',
        },
        at(15),
      ),
    );
    await visitByRef(t.tenantId, 'R-2', (v) => v.status === 'completed');
  });

  it('keeps the status of the latest event by occurredAt between a cancel and a completion delivered the other way round', async () => {
    const t = tenantFixture();
    const cancel = (ref: string) =>
      envelope(t.tenantId, 'partner.booking.cancelled.v1', {
        bookingId: ref,
        stationId: t.stationA,
        reason: 'booked twice',
      });
    const complete = (ref: string) =>
      envelope(t.tenantId, 'partner.work.completed.v1', {
        bookingId: ref,
        workOrderId: `WO-${ref}`,
        kind: 'work_order',
        stationId: t.stationA,
        completedAt: '2026-07-01T11:00:00Z',
      });
    const statusAfter = async (ref: string, first: EventEnvelope, second: EventEnvelope) => {
      publish(
        bookingEvent(t.tenantId, t.stationA, ref, { customer: undefined, vehicle: undefined }),
      );
      await visitByRef(t.tenantId, ref);
      publish(first);
      publish(second);
      const { status, cancel_reason } = await visitByRef(
        t.tenantId,
        ref,
        (v) => Number(v.version) === 3,
      );
      return { status, cancelReason: cancel_reason };
    };
    // Cancelled first, completed later; the completion is delivered first.
    const earlyCancel = cancel('L-1');
    const laterCompletion = complete('L-1');
    expect(Date.parse(laterCompletion.occurredAt)).toBeGreaterThan(
      Date.parse(earlyCancel.occurredAt),
    );
    // The cancel's reason goes with its status: not kept when the completion wins.
    expect(await statusAfter('L-1', laterCompletion, earlyCancel)).toEqual({
      status: 'completed',
      cancelReason: null,
    });
    // Completed first, cancelled later; the cancel is delivered first.
    const earlyCompletion = complete('L-2');
    const laterCancel = cancel('L-2');
    expect(await statusAfter('L-2', laterCancel, earlyCompletion)).toEqual({
      status: 'cancelled',
      cancelReason: 'booked twice',
    });
  });

  it('leaves the vehicle’s default customer to reception: a booking by plate gets its customer from a check-in', async () => {
    const t = tenantFixture();
    const usual = await h.knowCustomer(t.tenantId, [t.stationA]);
    const car = await vehicles.create(t.admin, { registration: 'TST-920' });
    await vehicles.link(t.admin, car.id, { customerId: usual, role: 'owner', isDefault: true });
    // A booking of the car by plate (as typed), with no contact details, and DMS work on it.
    publish(
      bookingEvent(t.tenantId, t.stationA, 'B-BY-PLATE', {
        customer: undefined,
        vehicle: { registration: 'tst 920' },
      }),
    );
    publish(
      envelope(t.tenantId, 'partner.work.completed.v1', {
        workOrderId: 'WO-BY-PLATE',
        kind: 'work_order',
        stationId: t.stationA,
        completedAt: '2026-07-05T13:30:00Z',
        vehicle: { registration: 'TST-920' },
      }),
    );
    // Who brought the car is not known: the partner named nobody, so neither visit guesses.
    for (const ref of ['B-BY-PLATE', 'WO-BY-PLATE']) {
      expect(await visitByRef(t.tenantId, ref)).toMatchObject({
        vehicle_id: car.id,
        customer_id: null,
      });
    }
    // The driver checks in online: the booking is theirs, not the car's usual customer's.
    const checkIn = checkInEvent(t.tenantId, t.stationA, 'B-BY-PLATE', {
      firstName: 'Kuljettaja',
      email: 'driver@example.test',
    });
    publish(checkIn);
    const driver = randomUUID();
    publish(resolved(t.tenantId, checkIn.eventId, driver, [t.stationA], checkIn.type));
    await visitByRef(t.tenantId, 'B-BY-PLATE', (v) => v.customer_id === driver);
  });

  it('makes a visit of its own, keyed by the work order, for work completed without a booking', async () => {
    const t = tenantFixture();
    const done = (workOrderId: string, kind: 'inspection' | 'work_order', extra: object = {}) =>
      envelope(t.tenantId, 'partner.work.completed.v1', {
        workOrderId,
        kind,
        stationId: t.stationB,
        completedAt: '2026-07-05T13:30:00Z',
        link: `https://dms.example.test/wo/${workOrderId}`,
        ...extra,
      });
    publish(done('WO-INSP-1', 'inspection', { vehicle: { registration: 'TST-901' } }));
    publish(done('WO-WORK-1', 'work_order'));
    const inspection = await visitByRef(t.tenantId, 'WO-INSP-1');
    const work = await visitByRef(t.tenantId, 'WO-WORK-1');
    for (const [row, kind, ref] of [
      [inspection, 'inspection', 'WO-INSP-1'],
      [work, 'work_order', 'WO-WORK-1'],
    ] as const) {
      expect(row).toMatchObject({
        status: 'completed',
        kind,
        channel: 'dms',
        station_id: t.stationB,
        partner_link: `https://dms.example.test/wo/${ref}`,
        source: 'partner:booking-portal',
        customer_id: null,
      });
      expect(new Date(row.scheduled_at as string).toISOString()).toBe('2026-07-05T13:30:00.000Z');
    }
    const car = (await vehicles.search(t.admin, { q: 'TST901' })).items[0];
    expect(inspection.vehicle_id).toBe(car.id);
    expect(work.vehicle_id).toBeNull();
    expect((await visits.get(t.admin, work.id as string)).partnerLink).toBe(
      'https://dms.example.test/wo/WO-WORK-1',
    );
  });

  it('gives a receipt that carries contact details its customer once the answer comes, before or after it', async () => {
    const t = tenantFixture();
    const receipt = (receiptNumber: string) =>
      receiptEvent(
        t.tenantId,
        t.stationA,
        receiptNumber,
        {
          source: 'kiosk',
          customer: { firstName: 'Kuitti', lastName: 'Testi', phone: '+358401230901' },
        },
        { kind: 'product', totalMinor: 1200 },
      );
    const saleOf = (receiptNumber: string, ready: (s: Record<string, unknown>) => boolean) =>
      saleByNumber(t.tenantId, receiptNumber, ready);
    // The answer follows the receipt.
    const first = receipt('KIOSK-1');
    publish(first);
    const waiting = await saleOf('KIOSK-1', () => true);
    expect(waiting).toMatchObject({ customer_id: null, contact_event_id: first.eventId });
    const customerId = randomUUID();
    publish(
      resolved(t.tenantId, first.eventId, customerId, [t.stationA], 'partner.sale.completed.v1'),
    );
    await saleOf('KIOSK-1', (s) => s.customer_id === customerId);
    // The answer came first.
    const second = receipt('KIOSK-2');
    publish(
      resolved(t.tenantId, second.eventId, customerId, [t.stationA], 'partner.sale.completed.v1'),
    );
    await answerKept(second.eventId);
    publish(second);
    expect((await saleOf('KIOSK-2', () => true)).customer_id).toBe(customerId);
    const sales = await h.app.get(SalesService).ofCustomer(t.worker, customerId, {});
    expect(sales.items.map((s) => s.receiptNumber).sort()).toEqual(['KIOSK-1', 'KIOSK-2']);
    // An answer its event has taken is not kept; one for an event handled already is not stored.
    expect(
      await h.dataSource.query<unknown[]>(
        'SELECT 1 FROM vehicles.contact_resolutions WHERE partner_event_id = ANY($1::uuid[])',
        [[first.eventId, second.eventId]],
      ),
    ).toEqual([]);
  });

  it('lets a receipt’s own contact decide its customer over its booking’s, in either order; with nobody, the booking’s', async () => {
    const t = tenantFixture();
    const booked = bookingEvent(t.tenantId, t.stationA, 'B-OWN', { vehicle: undefined });
    const [bookingCustomer, ownCustomer, earlyCustomer] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    publish(booked);
    publish(resolved(t.tenantId, booked.eventId, bookingCustomer, [t.stationA]));
    await visitByRef(t.tenantId, 'B-OWN', (v) => v.customer_id === bookingCustomer);
    const receipt = (receiptNumber: string) =>
      receiptEvent(t.tenantId, t.stationA, receiptNumber, {
        bookingId: 'B-OWN',
        customer: { firstName: 'Oma', lastName: 'Kuitti', email: 'own-receipt@example.test' },
      });
    const customerOf = async (receiptNumber: string, ready: (c: unknown) => boolean) =>
      (await saleByNumber(t.tenantId, receiptNumber, (s) => ready(s.customer_id))) as {
        customer_id: string | null;
      };
    // The receipt first, its answer after: it waits rather than take the booking's customer.
    const late = receipt('OWN-1');
    publish(late);
    expect((await customerOf('OWN-1', () => true)).customer_id).toBeNull();
    // Reception corrects the visit's customer meanwhile: the waiting receipt does not move.
    const corrected = await h.knowCustomer(t.tenantId, [t.stationA]);
    const visit = await visitByRef(t.tenantId, 'B-OWN');
    await visits.update(t.admin, visit.id as string, visit.version as number, {
      customerId: corrected,
    });
    expect((await customerOf('OWN-1', () => true)).customer_id).toBeNull();
    publish(resolved(t.tenantId, late.eventId, ownCustomer, [t.stationA], late.type));
    await customerOf('OWN-1', (c) => c === ownCustomer);
    // The answer first.
    const early = receipt('OWN-2');
    publish(resolved(t.tenantId, early.eventId, earlyCustomer, [t.stationA], early.type));
    await answerKept(early.eventId);
    publish(early);
    await customerOf('OWN-2', (c) => c === earlyCustomer);
    // Its contact matched nobody, after it or before it: the visit's customer.
    const nobodyAfter = receipt('OWN-3');
    publish(nobodyAfter);
    await customerOf('OWN-3', () => true);
    publish(resolved(t.tenantId, nobodyAfter.eventId, null, [], nobodyAfter.type));
    await customerOf('OWN-3', (c) => c === corrected);
    const nobodyBefore = receipt('OWN-4');
    publish(resolved(t.tenantId, nobodyBefore.eventId, null, [], nobodyBefore.type));
    await answerKept(nobodyBefore.eventId);
    publish(nobodyBefore);
    await customerOf('OWN-4', (c) => c === corrected);
  });

  it('gives up on a receipt whose contact answer never came: after the retention it is its visit’s customer’s', async () => {
    const t = tenantFixture();
    const booked = bookingEvent(t.tenantId, t.stationA, 'B-GIVE-UP', { vehicle: undefined });
    const customerId = randomUUID();
    publish(booked);
    publish(resolved(t.tenantId, booked.eventId, customerId, [t.stationA]));
    await visitByRef(t.tenantId, 'B-GIVE-UP', (v) => v.customer_id === customerId);
    const receipt = (receiptNumber: string) =>
      receiptEvent(t.tenantId, t.stationA, receiptNumber, {
        bookingId: 'B-GIVE-UP',
        customer: { firstName: 'Kadonnut', email: 'lost-answer@example.test' },
      });
    // Two receipts wait for answers that never come; one has waited past the retention.
    const [old, recent] = [receipt('GIVE-UP-1'), receipt('GIVE-UP-2')];
    publish(old);
    publish(recent);
    for (const number of ['GIVE-UP-1', 'GIVE-UP-2']) {
      expect(await saleByNumber(t.tenantId, number)).toMatchObject({ customer_id: null });
    }
    await h.dataSource.query(
      `UPDATE vehicles.sales SET created_at = now() - interval '31 days'
        WHERE tenant_id = $1 AND receipt_number = 'GIVE-UP-1'`,
      [t.tenantId],
    );
    await h.app.get(OutboxRelay).deleteExpired();
    expect(await saleByNumber(t.tenantId, 'GIVE-UP-1')).toMatchObject({
      customer_id: customerId,
      contact_event_id: null,
    });
    expect(await saleByNumber(t.tenantId, 'GIVE-UP-2')).toMatchObject({
      customer_id: null,
      contact_event_id: recent.eventId,
    });
  });

  it('leaves no vehicle waiting for an answer that came first and named nobody', async () => {
    const t = tenantFixture();
    const event = bookingEvent(t.tenantId, t.stationA, 'B-NOBODY-FIRST', {
      vehicle: { registration: 'TST-778' },
    });
    publish(resolved(t.tenantId, event.eventId, null, []));
    await answerKept(event.eventId);
    publish(event);
    const visit = await visitByRef(t.tenantId, 'B-NOBODY-FIRST');
    expect(visit).toMatchObject({ customer_id: null });
    expect(await visitWaits(visit.id)).toEqual([]);
    expect(
      await h.dataSource.query<unknown[]>(
        `SELECT 1 FROM vehicles.pending_vehicle_links WHERE partner_event_id = $1
         UNION ALL SELECT 1 FROM vehicles.contact_resolutions WHERE partner_event_id = $1`,
        [event.eventId],
      ),
    ).toEqual([]);
  });

  it('records a receipt once, and ties one that came before its booking to the visit later', async () => {
    const t = tenantFixture();
    const sale = {
      receiptNumber: 'POS-1',
      stationId: t.stationA,
      soldAt: '2026-07-01T12:00:00Z',
      source: 'pos',
      bookingId: 'B-SALE',
      currency: 'EUR',
      totalMinor: 2500,
      lines: [
        {
          kind: 'product',
          name: 'Oil',
          quantity: 0.5,
          unitPriceMinor: 5000,
          vatRate: 25.5,
          totalMinor: 2500,
        },
      ],
    };
    publish(envelope(t.tenantId, 'partner.sale.completed.v1', sale));
    publish(envelope(t.tenantId, 'partner.sale.completed.v1', sale));
    publish(
      bookingEvent(t.tenantId, t.stationA, 'B-SALE', { customer: undefined, vehicle: undefined }),
    );
    const visit = await visitByRef(t.tenantId, 'B-SALE');
    const sales = await eventually(async () => {
      const rows = await h.dataSource.query<{ visit_id: string | null }[]>(
        'SELECT visit_id FROM vehicles.sales WHERE tenant_id = $1',
        [t.tenantId],
      );
      return rows.length === 1 && rows[0].visit_id ? rows : undefined;
    });
    expect(sales[0].visit_id).toBe(visit.id);
  });

  it('counts a receipt that names only the booking as the booking customer’s, whichever came first', async () => {
    const t = tenantFixture();
    const receipt = (receiptNumber: string, kind: 'service' | 'product', totalMinor: number) =>
      receiptEvent(
        t.tenantId,
        t.stationA,
        receiptNumber,
        { bookingId: 'B-PAID' },
        {
          kind,
          totalMinor,
        },
      );
    const salesOf = (customerId: string | null) =>
      h.dataSource.query<{ receipt_number: string }[]>(
        `SELECT receipt_number FROM vehicles.sales
          WHERE tenant_id = $1 AND customer_id IS NOT DISTINCT FROM $2 ORDER BY receipt_number`,
        [t.tenantId, customerId],
      );
    // Before the booking: no visit, no customer yet.
    publish(receipt('POS-PAID-1', 'service', 4000));
    const booked = bookingEvent(t.tenantId, t.stationA, 'B-PAID', { vehicle: undefined });
    publish(booked);
    await visitByRef(t.tenantId, 'B-PAID');
    // After the booking, before its contact is resolved: the visit has no customer either.
    publish(receipt('POS-PAID-2', 'product', 1500));
    await eventually(async () => ((await salesOf(null)).length === 2 ? true : undefined));
    const customerId = randomUUID();
    publish(resolved(t.tenantId, booked.eventId, customerId, [t.stationA]));
    await eventually(async () => ((await salesOf(customerId)).length === 2 ? true : undefined));
    // After: the receipt takes the visit's customer at once.
    publish(receipt('POS-PAID-3', 'product', 500));
    await eventually(async () => ((await salesOf(customerId)).length === 3 ? true : undefined));
    expect(await salesOf(null)).toEqual([]);
    expect((await h.app.get(SalesService).summary(t.admin, customerId)).spent).toEqual([
      { currency: 'EUR', servicesMinor: 4000, productsMinor: 2000, totalMinor: 6000 },
    ]);
  });

  it('gives a booking the customer and vehicle of an online check-in for it, in either order', async () => {
    const t = tenantFixture();
    const checkIn = (bookingId: string, registration: string) =>
      checkInEvent(
        t.tenantId,
        t.stationA,
        bookingId,
        { firstName: 'Sisään', lastName: 'Kirjautuja', email: 'checkin@example.test' },
        { vehicle: { registration } },
      );
    // A booking made by phone, without details; the customer checks in online before the visit.
    publish(
      bookingEvent(t.tenantId, t.stationA, 'B-CHK-1', { customer: undefined, vehicle: undefined }),
    );
    await visitByRef(t.tenantId, 'B-CHK-1');
    const first = checkIn('B-CHK-1', 'TST-801');
    publish(first);
    // A check-in that overtook its booking.
    const second = checkIn('B-CHK-2', 'TST-802');
    publish(second);
    const early = await visitByRef(t.tenantId, 'B-CHK-2');
    expect(early).toMatchObject({ status: 'booked', channel: 'online_booking', customer_id: null });
    publish(
      bookingEvent(t.tenantId, t.stationA, 'B-CHK-2', { customer: undefined, vehicle: undefined }),
    );
    const [a, b] = [randomUUID(), randomUUID()];
    publish(resolved(t.tenantId, first.eventId, a, [t.stationA]));
    publish(resolved(t.tenantId, second.eventId, b, [t.stationA]));
    for (const [ref, customerId, plate] of [
      ['B-CHK-1', a, 'TST801'],
      ['B-CHK-2', b, 'TST802'],
    ]) {
      const visit = await visitByRef(t.tenantId, ref, (v) => v.customer_id === customerId);
      const car = (await vehicles.search(t.admin, { q: plate })).items[0];
      expect(visit.vehicle_id).toBe(car.id);
      expect(visit.notes).toBe('winter tyres');
    }
  });

  it('gives a booking its check-in’s customer when both wait and the booking’s contact matched nobody', async () => {
    const t = tenantFixture();
    const booked = bookingEvent(t.tenantId, t.stationA, 'B-TWO-WAITS', { vehicle: undefined });
    publish(booked);
    const visit = await visitByRef(t.tenantId, 'B-TWO-WAITS');
    // The customer checks in online before the booking's own contact is answered.
    const checkIn = checkInEvent(t.tenantId, t.stationA, 'B-TWO-WAITS', {
      firstName: 'Toinen',
      lastName: 'Odottaja',
      email: 'two-waits@example.test',
    });
    publish(checkIn);
    await waitsFor(visit.id, 2);
    expect(await visitWaits(visit.id)).toEqual([booked.eventId, checkIn.eventId].sort());
    // The booking's contact matched nobody: the visit still waits for the check-in's answer.
    publish(resolved(t.tenantId, booked.eventId, null, []));
    await waitsFor(visit.id, 1);
    const customerId = randomUUID();
    publish(resolved(t.tenantId, checkIn.eventId, customerId, [t.stationA], checkIn.type));
    await visitByRef(t.tenantId, 'B-TWO-WAITS', (v) => v.customer_id === customerId);
    expect(await visitWaits(visit.id)).toEqual([]);
    // Both answering a customer, the first one's stays: a later answer does not move the visit.
    const both = bookingEvent(t.tenantId, t.stationA, 'B-BOTH-ANSWER', { vehicle: undefined });
    publish(both);
    const second = checkInEvent(t.tenantId, t.stationA, 'B-BOTH-ANSWER', {
      firstName: 'Kolmas',
      email: 'both-answer@example.test',
    });
    publish(second);
    const bothVisit = await visitByRef(t.tenantId, 'B-BOTH-ANSWER');
    await waitsFor(bothVisit.id, 2);
    const [first, later] = [randomUUID(), randomUUID()];
    publish(resolved(t.tenantId, both.eventId, first, [t.stationA]));
    await visitByRef(t.tenantId, 'B-BOTH-ANSWER', (v) => v.customer_id === first);
    publish(resolved(t.tenantId, second.eventId, later, [t.stationA], second.type));
    await waitsFor(bothVisit.id, 0);
    expect((await visitByRef(t.tenantId, 'B-BOTH-ANSWER')).customer_id).toBe(first);
    // Both answers in one batch: the first delivered that names someone, whichever event it is.
    for (const checkInFirst of [true, false]) {
      const ref = `B-ONE-BATCH-${checkInFirst}`;
      const batched = bookingEvent(t.tenantId, t.stationA, ref, { vehicle: undefined });
      publish(batched);
      const third = checkInEvent(t.tenantId, t.stationA, ref, {
        firstName: 'Neljäs',
        email: 'one-batch@example.test',
      });
      publish(third);
      const batchedVisit = await visitByRef(t.tenantId, ref);
      await waitsFor(batchedVisit.id, 2);
      const [checkedIn, booker] = [randomUUID(), randomUUID()];
      const answers = [
        resolved(t.tenantId, third.eventId, checkedIn, [t.stationA], third.type),
        resolved(t.tenantId, batched.eventId, booker, [t.stationA]),
      ];
      await inOneBatch(t.tenantId, t.stationA, checkInFirst ? answers : answers.reverse());
      await waitsFor(batchedVisit.id, 0);
      expect((await visitByRef(t.tenantId, ref)).customer_id).toBe(
        checkInFirst ? checkedIn : booker,
      );
    }
  });

  it('links a kiosk submission’s vehicle to the customer once the details are resolved', async () => {
    const t = tenantFixture();
    const event = envelope(t.tenantId, 'partner.customer_details.submitted.v1', {
      submissionId: 'K-1',
      stationId: t.stationB,
      source: 'kiosk',
      customer: { firstName: 'Kioski', lastName: 'Testi', email: 'kiosk@example.test' },
      vehicle: { registration: 'TST-503', vin: 'TSTVN000000000503' },
    });
    publish(event);
    const car = await eventually(
      async () => (await vehicles.search(t.admin, { q: 'TST503' })).items[0],
    );
    expect(car.customers).toEqual([]);
    const customerId = randomUUID();
    publish(resolved(t.tenantId, event.eventId, customerId, [t.stationB]));
    await eventually(async () =>
      (await vehicles.get(t.admin, car.id)).customers.length === 1 ? true : undefined,
    );
    // The customer is known at once, so reception can book for them right away.
    const otherWorker = { ...t.worker, stationIds: [t.stationB], currentStationId: t.stationB };
    expect((await vehicles.ofCustomer(otherWorker, customerId)).items.map((v) => v.vin)).toEqual([
      'TSTVN000000000503',
    ]);
  });

  it('dead-letters an invalid partner event with the reason, keeps a redacted record, and goes on', async () => {
    const t = tenantFixture();
    const bad = envelope(t.tenantId, 'partner.booking.created.v1', {
      bookingId: 'BAD-1',
      stationId: 'not-a-station',
      scheduledAt: '2026-07-01T09:00:00Z',
      customer: { firstName: 'Salainen', phone: '040 123' },
      vehicle: { registration: 'TST-504', year: 3000 },
      // Fields the schema does not know may hold anything: replaced, as is all free text.
      driverName: 'Salainen Kuljettaja',
      prepaid: { amountMinor: 100, currency: 'EUR', cardHolder: 'Salainen' },
    });
    publish(bad);
    const sums = envelope(t.tenantId, 'partner.sale.completed.v1', {
      receiptNumber: 'POS-BAD',
      stationId: t.stationA,
      soldAt: '2026-07-01T12:00:00Z',
      source: 'kiosk',
      currency: 'EUR',
      totalMinor: 100,
      lines: [
        {
          kind: 'service',
          name: 'Wash',
          quantity: 1,
          unitPriceMinor: 900,
          vatRate: 25.5,
          totalMinor: 900,
        },
      ],
    });
    publish(sums);
    // E.164 in form, but no numbering plan has it: the customers service could not keep it.
    const noSuchPhone = envelope(t.tenantId, 'partner.customer_details.submitted.v1', {
      submissionId: 'KIOSK-BAD',
      stationId: t.stationA,
      source: 'kiosk',
      customer: { firstName: 'Salainen', phone: '+35800000000' },
    });
    publish(noSuchPhone);
    publish('{ not json', 'partner.booking.created.v1');
    publish(
      bookingEvent(t.tenantId, t.stationA, 'GOOD-1', { customer: undefined, vehicle: undefined }),
    );
    await visitByRef(t.tenantId, 'GOOD-1');
    // Every one is kept as a dead letter, in whatever order the consumer settled them.
    const dead = await deadLetterOf(h.dataSource, 'vehicles', bad.eventId);
    expect(dead.reason).toBe('invalid-message');
    expect(dead.last_error).toContain('/stationId must match format "uuid"');
    const admin = h.app.get(RejectedPartnerEvents);
    const page = await eventually(async () => {
      const p = await admin.list(t.admin, {});
      return p.items.length === 3 ? p : undefined;
    });
    const [kiosk, sale, booked] = page.items;
    expect(kiosk).toMatchObject({
      eventId: noSuchPhone.eventId,
      payload: { customer: '[redacted]' },
    });
    expect(kiosk.reason).toContain('customer.phone is not in any number range of +358 (AX, FI)');
    expect(sale).toMatchObject({ eventId: sums.eventId, type: 'partner.sale.completed.v1' });
    expect(sale.reason).toContain('totalMinor must be the sum of the line totals = 900');
    expect(booked).toMatchObject({ eventId: bad.eventId, producer: 'partner:booking-portal' });
    expect(booked.reason).toContain('/customer/phone must match pattern');
    expect(booked.payload).toEqual({
      bookingId: 'BAD-1',
      stationId: 'not-a-station',
      scheduledAt: '2026-07-01T09:00:00Z',
      customer: '[redacted]',
      vehicle: '[redacted]',
      driverName: '[redacted]',
      prepaid: { amountMinor: 100, currency: 'EUR', cardHolder: '[redacted]' },
    });
    // A receipt keeps its amounts, not what was bought.
    expect(sale.payload).toMatchObject({
      receiptNumber: 'POS-BAD',
      totalMinor: 100,
      lines: [
        {
          kind: 'service',
          name: '[redacted]',
          quantity: 1,
          unitPriceMinor: 900,
          vatRate: 25.5,
          totalMinor: 900,
        },
      ],
    });
    expect(JSON.stringify(page)).not.toContain('Salainen');
    // Only admins of the tenant see them.
    expect((await admin.list(tenantFixture().admin, {})).items).toEqual([]);
    await expect(admin.list(t.worker, {})).rejects.toMatchObject({ problem: { status: 403 } });
  });

  it('fills in a vehicle from a partner event without writing over a staff edit made meanwhile', async () => {
    const t = tenantFixture();
    const car = await vehicles.create(t.admin, { registration: 'TST-930' });
    // Staff correct the model in a transaction still open when the partner event is handled.
    const staff = h.dataSource.createQueryRunner();
    await staff.connect();
    await staff.startTransaction();
    await staff.query(
      `UPDATE vehicles.vehicles SET model = 'Staff Model', version = version + 1
        WHERE tenant_id = $1 AND id = $2`,
      [t.tenantId, car.id],
    );
    publish(
      bookingEvent(t.tenantId, t.stationA, 'B-STAFF-EDIT', {
        customer: undefined,
        vehicle: { registration: 'TST-930', make: 'Make', model: 'Partner Model' },
      }),
    );
    // The intake has read the plate and waits for the vehicle's row.
    await eventually(async () =>
      (
        await h.dataSource.query<unknown[]>(
          `SELECT 1 FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%FROM vehicles.vehicles%'`,
        )
      ).length
        ? true
        : undefined,
    );
    await staff.commitTransaction();
    await staff.release();
    await visitByRef(t.tenantId, 'B-STAFF-EDIT');
    expect(await vehicles.get(t.admin, car.id)).toMatchObject({
      make: 'Make',
      model: 'Staff Model',
    });
  });

  it('takes a VIN as a kiosk typed it, in any case with spaces and hyphens, and stores it normalised', async () => {
    const t = tenantFixture();
    publish(
      bookingEvent(t.tenantId, t.stationA, 'B-VIN', {
        customer: undefined,
        vehicle: { registration: 'TST-505', vin: 'tstvn 0000-0000-0505' },
      }),
    );
    await visitByRef(t.tenantId, 'B-VIN');
    expect((await vehicles.search(t.admin, { q: 'TSTVN000000000505' })).items).toEqual([
      expect.objectContaining({ registration: 'TST-505', vin: 'TSTVN000000000505' }),
    ]);
  });

  it('refuses a partner event naming a station its tenant does not have, once its stations are known', async () => {
    const [t, other] = [tenantFixture(), tenantFixture()];
    publish(envelope(t.tenantId, 'gateway.station.created.v1', { stationId: t.stationA }));
    publish(envelope(other.tenantId, 'gateway.station.created.v1', { stationId: other.stationA }));
    await eventually(async () =>
      (
        await h.dataSource.query<unknown[]>(
          'SELECT 1 FROM vehicles.known_stations WHERE station_id = ANY($1::uuid[])',
          [[t.stationA, other.stationA]],
        )
      ).length === 2
        ? true
        : undefined,
    );
    // Another tenant's station is refused at once; one nobody announced after its retries.
    const unknown = randomUUID();
    const refused = [
      bookingEvent(t.tenantId, other.stationA, 'B-THEIRS', {
        customer: undefined,
        vehicle: undefined,
      }),
      envelope(t.tenantId, 'partner.booking.cancelled.v1', {
        bookingId: 'B-HOME',
        stationId: unknown,
      }),
      envelope(t.tenantId, 'partner.work.completed.v1', {
        workOrderId: 'WO-ELSEWHERE',
        kind: 'work_order',
        stationId: unknown,
        completedAt: '2026-07-01T12:00:00Z',
      }),
      envelope(t.tenantId, 'partner.customer_details.submitted.v1', {
        submissionId: 'K-ELSEWHERE',
        stationId: unknown,
        source: 'kiosk',
        customer: { firstName: 'Muualla', email: 'elsewhere@example.test' },
        vehicle: { registration: 'TST-779' },
      }),
    ];
    refused.forEach((event) => publish(event));
    publish(
      bookingEvent(t.tenantId, t.stationA, 'B-HOME', { customer: undefined, vehicle: undefined }),
    );
    await visitByRef(t.tenantId, 'B-HOME');
    const page = await eventually(async () => {
      const p = await h.app.get(RejectedPartnerEvents).list(t.admin, {});
      return p.items.length === refused.length ? p : undefined;
    });
    expect(page.items.map((r) => [r.eventId, r.reason]).sort()).toEqual(
      refused
        .map((e) => [
          e.eventId,
          'payload.stationId unknown_station: stationId must be a station of the tenant',
        ])
        .sort(),
    );
    const visits = await h.dataSource.query<{ external_id: string; status: string }[]>(
      'SELECT external_id, status FROM vehicles.visits WHERE tenant_id = $1',
      [t.tenantId],
    );
    expect(visits).toEqual([{ external_id: 'B-HOME', status: 'booked' }]);
    expect((await vehicles.search(t.admin, { q: 'TST779' })).items).toEqual([]);
    // A tenant none of whose stations is known yet still cannot use another tenant's.
    const unknownTenant = tenantFixture();
    const borrowed = bookingEvent(unknownTenant.tenantId, other.stationA, 'B-BORROWED', {
      customer: undefined,
      vehicle: undefined,
    });
    publish(borrowed);
    // A station announced just after an event naming it: the event goes through on a retry.
    const fresh = randomUUID();
    publish(
      bookingEvent(t.tenantId, fresh, 'B-FRESH', { customer: undefined, vehicle: undefined }),
    );
    publish(envelope(t.tenantId, 'gateway.station.created.v1', { stationId: fresh }));
    await visitByRef(t.tenantId, 'B-FRESH');
    const theirs = await eventually(async () => {
      const p = await h.app.get(RejectedPartnerEvents).list(unknownTenant.admin, {});
      return p.items.length === 1 ? p : undefined;
    });
    expect(theirs.items[0].eventId).toBe(borrowed.eventId);
  });

  it('lists a partner event the consents service alone refused among the rejected ones', async () => {
    const t = tenantFixture();
    const refusedId = randomUUID();
    const refusal = () =>
      envelope(t.tenantId, 'consents.partner_event.refused.v1', {
        partnerEventId: refusedId,
        partnerEventType: 'partner.booking.created.v1',
        producer: 'partner:booking-portal',
        reason:
          'payload.consents.0.textId unknown_text: textId must be a consent text of your tenant',
      });
    // Announced twice (the event replayed from the consents DLQ and refused again): listed once.
    publish(refusal());
    const again = refusal();
    publish(again);
    await eventually(async () =>
      (
        await h.dataSource.query<unknown[]>('SELECT 1 FROM vehicles.inbox WHERE event_id = $1', [
          again.eventId,
        ])
      ).length
        ? true
        : undefined,
    );
    const page = await eventually(async () => {
      const p = await h.app.get(RejectedPartnerEvents).list(t.admin, {});
      return p.items.length === 1 ? p : undefined;
    });
    expect(page.items[0]).toMatchObject({
      eventId: refusedId,
      type: 'partner.booking.created.v1',
      producer: 'partner:booking-portal',
      reason:
        'consents service: payload.consents.0.textId unknown_text: textId must be a consent text of your tenant',
      payload: null,
    });
  });

  it('is the source of visits a worker sees only at their stations', async () => {
    const t = tenantFixture();
    publish(
      bookingEvent(t.tenantId, t.stationB, 'B-SOUTH', { customer: undefined, vehicle: undefined }),
    );
    const visit = await visitByRef(t.tenantId, 'B-SOUTH');
    expect((await visits.list(t.worker, {})).items).toEqual([]);
    expect((await visits.get(t.admin, visit.id as string)).externalId).toBe('B-SOUTH');
  });
});
