import { createHash, randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { Client } from 'pg';
import type {
  CommunicationPreferencesView,
  ConsentTextView,
  ContactabilityView,
  CreatedPartnerKeyView,
  CustomerConsentsView,
  CustomerPage,
  PartnerKeyPage,
  RejectedPartnerEventPage,
  SalePage,
  VehiclePage,
  VisitPage,
  VisitView,
} from '@kanta/contracts';
import { KantaApi } from '@kanta/local';
import { eventually } from '@kanta/testing';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';
import { stationCreatedEvent } from '../../services/gateway/src/identity/station-announcer';

jest.setTimeout(120_000);

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('partner keys and partner intake (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let key: CreatedPartnerKeyView;
  let partner: KantaApi;

  const bookingBody = (bookingId: string, extra: object = {}) => ({
    type: 'partner.booking.created.v1',
    payload: {
      bookingId,
      // The validation table is built before the tenant exists; any id does there.
      stationId: fi ? fi.stationIds[0] : randomUUID(),
      scheduledAt: '2026-12-01T09:00:00Z',
      channel: 'online_booking',
      customer: {
        firstName: 'Verkko',
        lastName: 'Varaaja',
        phone: '+358401230001',
        email: 'varaaja@example.test',
      },
      vehicle: { registration: 'PTN-001', make: 'Make', year: 2020 },
      ...extra,
    },
  });

  /** What a partner with broker credentials does: publish straight to the events exchange. */
  const publishToBroker = async (events: Record<string, unknown>[]): Promise<void> => {
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    for (const event of events) {
      channel.publish(e2e.eventsExchange, String(event.type), Buffer.from(JSON.stringify(event)), {
        persistent: true,
      });
    }
    await channel.close();
    await connection.close();
  };
  const rejectedOf = (tenant: TenantFixture) =>
    tenant.admin.expect<RejectedPartnerEventPage>(200, 'GET', '/api/v1/partner/rejected-events');

  beforeAll(async () => {
    e2e = await startE2eSystem('partner');
    fi = await createTenant(e2e, 'ptn-fi');
    pl = await createTenant(e2e, 'ptn-pl', 'PL', 'pl');
    key = await fi.admin.expect<CreatedPartnerKeyView>(201, 'POST', '/api/v1/partner-keys', {
      partner: 'booking-portal',
      label: 'Online booking',
    });
    partner = e2e.api;
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const send = (body: unknown, apiKey = key.key) =>
    partner.request('POST', '/api/v1/partner/events', body, { 'x-api-key': apiKey });

  it('shows a key once, lists it by prefix only, and keeps it to its tenant and to admins', async () => {
    expect(key.key).toMatch(/^kpk_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({
      partner: 'booking-portal',
      prefix: key.key.slice(0, 12),
      revokedAt: null,
    });
    const listed = await fi.admin.expect<PartnerKeyPage>(200, 'GET', '/api/v1/partner-keys');
    expect(listed.items.map((k) => k.id)).toEqual([key.id]);
    expect(JSON.stringify(listed)).not.toContain(key.key);
    expect(
      (await pl.admin.expect<PartnerKeyPage>(200, 'GET', '/api/v1/partner-keys')).items,
    ).toEqual([]);
    expectProblem(await pl.admin.request('DELETE', `/api/v1/partner-keys/${key.id}`), 404);
    expectProblem(await fi.worker.request('GET', '/api/v1/partner-keys'), 403);
    expectProblem(await fi.worker.request('POST', '/api/v1/partner-keys', { partner: 'pos' }), 403);
    expectProblem(
      await fi.admin.request('POST', '/api/v1/partner-keys', { partner: 'Bad Name' }),
      422,
      'partner',
      'invalid_format',
    );
    expectProblem(await e2e.superadmin.request('GET', '/api/v1/partner-keys'), 403);
  });

  it('refuses events without a valid key', async () => {
    const body = bookingBody('B-NOKEY');
    expectProblem(await partner.request('POST', '/api/v1/partner/events', body), 401);
    expectProblem(await send(body, 'kpk_not-a-real-key'), 401);
    expectProblem(
      await partner.request('POST', '/api/v1/partner/events', body, {
        authorization: `Bearer ${key.key}`,
      }),
      401,
    );
    // A user's token is not a partner key either.
    expectProblem(await fi.admin.request('POST', '/api/v1/partner/events', body), 401);
  });

  it.each([
    ['an unknown type', { type: 'partner.booking.lost.v1', payload: {} }, 'type', 'unknown_type'],
    ['no payload', { type: 'partner.booking.created.v1' }, 'payload', 'required'],
    [
      'a time more than a day ahead',
      {
        ...bookingBody('B-X'),
        occurredAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      },
      'occurredAt',
      'too_far_ahead',
    ],
    [
      'a time as a week date',
      { ...bookingBody('B-X'), occurredAt: '2026-W09-7T10:00:00Z' },
      'occurredAt',
      'invalid_format',
    ],
    [
      'a missing booking id',
      {
        type: 'partner.booking.created.v1',
        payload: { stationId: randomUUID(), scheduledAt: '2026-12-01T09:00:00Z' },
      },
      'payload.bookingId',
      'required',
    ],
    [
      'a phone not in E.164',
      bookingBody('B-X', { customer: { firstName: 'A', phone: '040 123 4567' } }),
      'payload.customer.phone',
      'invalid_format',
    ],
    [
      'a phone in E.164 form that no numbering plan has',
      bookingBody('B-X', { customer: { firstName: 'A', phone: '+35800000000' } }),
      'payload.customer.phone',
      'invalid_phone',
    ],
    ['an unknown field', bookingBody('B-X', { colour: 'red' }), 'payload.colour', 'unknown_field'],
    [
      'a VIN with an I',
      bookingBody('B-X', { vehicle: { registration: 'PTN-9', vin: 'IIIIIIIIIIIIIIIII' } }),
      'payload.vehicle.vin',
      'invalid_format',
    ],
    [
      'a VIN with a Q',
      bookingBody('B-X', { vehicle: { registration: 'PTN-9', vin: 'TSTVQ000000000001' } }),
      'payload.vehicle.vin',
      'invalid_format',
    ],
    [
      'a reschedule without a time',
      {
        type: 'partner.booking.rescheduled.v1',
        payload: { bookingId: 'B-X', stationId: randomUUID() },
      },
      'payload.scheduledAt',
      'required',
    ],
    [
      'a cancel without a station',
      { type: 'partner.booking.cancelled.v1', payload: { bookingId: 'B-X' } },
      'payload.stationId',
      'required',
    ],
    [
      'a no-show without a booking',
      { type: 'partner.booking.no_show.v1', payload: { stationId: randomUUID() } },
      'payload.bookingId',
      'required',
    ],
    [
      'completed work of an unknown kind',
      {
        type: 'partner.work.completed.v1',
        payload: {
          workOrderId: 'WO-X',
          kind: 'car_wash',
          stationId: randomUUID(),
          completedAt: '2026-12-01T11:00:00Z',
        },
      },
      'payload.kind',
      'not_allowed',
    ],
    [
      'completed work whose link is not an http(s) URL',
      {
        type: 'partner.work.completed.v1',
        payload: {
          workOrderId: 'WO-X',
          kind: 'inspection',
          stationId: randomUUID(),
          completedAt: '2026-12-01T11:00:00Z',
          link: 'ftp://dms.example.test/wo/1',
        },
      },
      'payload.link',
      'invalid_format',
    ],
    [
      'submitted details without the customer',
      {
        type: 'partner.customer_details.submitted.v1',
        payload: { submissionId: 'K-X', stationId: randomUUID(), source: 'kiosk' },
      },
      'payload.customer',
      'required',
    ],
    [
      'submitted details from an unknown source',
      {
        type: 'partner.customer_details.submitted.v1',
        payload: {
          submissionId: 'K-X',
          stationId: randomUUID(),
          source: 'fax',
          customer: { firstName: 'Kioski', email: 'kioski@example.test' },
        },
      },
      'payload.source',
      'not_allowed',
    ],
    [
      'a model year far ahead',
      bookingBody('B-X', {
        vehicle: { registration: 'PTN-9', year: new Date().getUTCFullYear() + 5 },
      }),
      'payload.vehicle.year',
      'out_of_range',
    ],
    [
      'an unknown channel',
      bookingBody('B-X', { channel: 'pigeon' }),
      'payload.channel',
      'not_allowed',
    ],
    [
      'a station of no tenant of ours',
      bookingBody('B-X', { stationId: '00000000-0000-4000-8000-000000000000' }),
      'payload.stationId',
      'unknown_station',
    ],
    ['a bad event id', { ...bookingBody('B-X'), eventId: 'seven' }, 'eventId', 'invalid_format'],
    [
      'consents without a way to find the customer',
      bookingBody('B-X', {
        customer: { firstName: 'Nimi' },
        consents: [{ purpose: 'marketing_email', decision: 'granted', textId: randomUUID() }],
      }),
      'payload.consents',
      'requires_customer',
    ],
    [
      'two decisions for one purpose',
      bookingBody('B-X', {
        consents: ['granted', 'withdrawn'].map((decision) => ({
          purpose: 'marketing_sms',
          decision,
          textId: randomUUID(),
        })),
      }),
      'payload.consents.1.purpose',
      'duplicate',
    ],
    [
      'a consent decision that is neither granted nor withdrawn',
      bookingBody('B-X', {
        consents: [{ purpose: 'marketing_sms', decision: 'maybe', textId: randomUUID() }],
      }),
      'payload.consents.0.decision',
      'not_allowed',
    ],
    [
      'empty preferences',
      bookingBody('B-X', { preferences: {} }),
      'payload.preferences',
      'too_few',
    ],
    [
      'an unknown preferred channel',
      bookingBody('B-X', { preferences: { preferredChannel: 'fax' } }),
      'payload.preferences.preferredChannel',
      'not_allowed',
    ],
    [
      'receipt lines that do not add up',
      {
        type: 'partner.sale.completed.v1',
        payload: {
          receiptNumber: 'R-1',
          stationId: randomUUID(),
          soldAt: '2026-12-01T09:00:00Z',
          source: 'pos',
          currency: 'EUR',
          totalMinor: 5,
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
        },
      },
      'payload.totalMinor',
      'totals_mismatch',
    ],
  ])('answers %s with a 422 naming the field', async (_what, body, field, reason) => {
    expectProblem(await send(body), 422, field, reason);
  });

  it('takes a booking (202), creates the customer and vehicle, and counts a resent event once', async () => {
    const eventId = randomUUID();
    const first = await send({ ...bookingBody('B-100'), eventId });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ eventId, type: 'partner.booking.created.v1', duplicate: false });
    const again = await send({ ...bookingBody('B-100'), eventId });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ eventId, duplicate: true });
    // Another tenant cannot take over the id.
    const theirKey = await pl.admin.expect<CreatedPartnerKeyView>(
      201,
      'POST',
      '/api/v1/partner-keys',
      { partner: 'booking-portal' },
    );
    const theirsTaken = async () =>
      expectProblem(
        await send(
          { ...bookingBody('B-100', { stationId: pl.stationIds[0] }), eventId },
          theirKey.key,
        ),
        422,
        'eventId',
        'taken',
      );
    await theirsTaken();
    // Nor after the outbox has forgotten the id (a partner event leaves it once published): the
    // gateway keeps every partner event id with its tenant, since the services' inboxes know ids,
    // not tenants.
    const db = new Client(e2e.database.settings);
    await db.connect();
    try {
      await eventually(async () => {
        const { rowCount } = await db.query('SELECT 1 FROM gateway.outbox WHERE event_id = $1', [
          eventId,
        ]);
        return rowCount === 0 ? true : undefined;
      });
    } finally {
      await db.end();
    }
    await theirsTaken();
    expect((await send({ ...bookingBody('B-100'), eventId })).body).toMatchObject({
      eventId,
      duplicate: true,
    });
    // Nor the id of an event the gateway itself published (a station's announcement).
    const announced = stationCreatedEvent({ id: fi.stationIds[0], tenantId: fi.tenantId });
    expectProblem(
      await send({ ...bookingBody('B-ANNOUNCED'), eventId: announced.eventId }),
      422,
      'eventId',
      'taken',
    );

    const visit = await eventually(async () => {
      const page = await fi.worker.expect<VisitPage>(200, 'GET', '/api/v1/visits');
      const found = page.items.find((v) => v.externalId === 'B-100');
      return found?.customerId ? found : undefined;
    });
    expect(visit).toMatchObject({
      status: 'booked',
      source: 'partner:booking-portal',
      channel: 'online_booking',
    });
    const customers = await fi.worker.expect<CustomerPage>(
      200,
      'GET',
      '/api/v1/customers?q=%2B358401230001',
    );
    expect(customers.items.map((c) => c.id)).toEqual([visit.customerId]);
    expect(customers.items[0]).toMatchObject({
      firstName: 'Verkko',
      origin: 'online_booking',
      stationIds: [fi.stationIds[0]],
    });
    const cars = await fi.worker.expect<VehiclePage>(
      200,
      'GET',
      `/api/v1/customers/${visit.customerId}/vehicles`,
    );
    expect(cars.items.map((v) => v.registration)).toEqual(['PTN-001']);
    // The plate finds the customer in customer search too.
    await eventually(async () => {
      const page = await fi.worker.expect<CustomerPage>(200, 'GET', '/api/v1/customers?q=ptn-001');
      return page.items.length === 1 ? true : undefined;
    });
    // A second booking with the same phone is the same customer.
    await send(bookingBody('B-101', { vehicle: undefined }));
    const second = await eventually(async () => {
      const page = await fi.admin.expect<VisitPage>(
        200,
        'GET',
        `/api/v1/customers/${visit.customerId}/visits`,
      );
      return page.items.length === 2 ? page : undefined;
    });
    expect(second.items.map((v) => v.externalId)).toEqual(['B-100', 'B-101']);
    // Nothing of it is visible to the other tenant.
    expect((await pl.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits')).items).toEqual([]);
    expectProblem(await pl.admin.request('GET', `/api/v1/visits/${visit.id}`), 404);
  });

  it('refuses an event naming a real station of another tenant', async () => {
    for (const body of [
      bookingBody('B-THEIRS', { stationId: pl.stationIds[0] }),
      {
        type: 'partner.booking.cancelled.v1',
        payload: { bookingId: 'B-100', stationId: pl.stationIds[1] },
      },
    ]) {
      expectProblem(await send(body), 422, 'payload.stationId', 'unknown_station');
    }
    // Nothing reached either tenant: the other has no visit, ours stays at its station.
    expect((await pl.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits')).items).toEqual([]);
    const ours = await fi.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits?limit=100');
    expect(ours.items.filter((v) => v.externalId === 'B-100')).toEqual([
      expect.objectContaining({ stationId: fi.stationIds[0], status: 'booked' }),
    ]);
    expect(ours.items.map((v) => v.externalId)).not.toContain('B-THEIRS');
  });

  it('takes a reschedule, a cancel, a no-show, completed work and a receipt (202 each), each seen through the API', async () => {
    const visitByRef = (ref: string, ready: (v: VisitView) => boolean = () => true) =>
      eventually(async () => {
        const page = await fi.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits?limit=100');
        const found = page.items.find((v) => v.externalId === ref);
        return found && ready(found) ? found : undefined;
      }, 15_000);
    const accepted = async (body: { type: string; payload: object }) => {
      const response = await send(body);
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ type: body.type, duplicate: false });
    };
    const customer = {
      firstName: 'Muutos',
      lastName: 'Varaaja',
      phone: '+358401230300',
    };
    await accepted(bookingBody('B-300', { customer, vehicle: undefined }));
    await accepted(bookingBody('B-301', { customer: undefined, vehicle: undefined }));
    const booked = await visitByRef('B-300', (v) => v.customerId !== null);
    await visitByRef('B-301');

    await accepted({
      type: 'partner.booking.rescheduled.v1',
      payload: {
        bookingId: 'B-300',
        stationId: fi.stationIds[0],
        scheduledAt: '2026-12-02T10:30:00Z',
      },
    });
    const moved = await visitByRef('B-300', (v) => v.scheduledAt === '2026-12-02T10:30:00.000Z');
    expect(moved.status).toBe('booked');

    await accepted({
      type: 'partner.booking.cancelled.v1',
      payload: { bookingId: 'B-301', stationId: fi.stationIds[0], reason: 'no longer needed' },
    });
    await visitByRef('B-301', (v) => v.status === 'cancelled');
    const cancelled = await fi.admin.expect<VisitPage>(
      200,
      'GET',
      '/api/v1/visits?status=cancelled',
    );
    expect(cancelled.items.map((v) => [v.externalId, v.cancelReason])).toEqual([
      ['B-301', 'no longer needed'],
    ]);

    await accepted(bookingBody('B-302', { customer: undefined, vehicle: undefined }));
    await accepted({
      type: 'partner.booking.no_show.v1',
      payload: { bookingId: 'B-302', stationId: fi.stationIds[0] },
    });
    await visitByRef('B-302', (v) => v.status === 'no_show');

    await accepted({
      type: 'partner.work.completed.v1',
      payload: {
        bookingId: 'B-300',
        workOrderId: 'WO-300',
        kind: 'inspection',
        stationId: fi.stationIds[0],
        completedAt: '2026-12-02T11:00:00Z',
        link: 'https://dms.example.test/wo/300',
      },
    });
    const done = await visitByRef('B-300', (v) => v.status === 'completed');
    expect(done).toMatchObject({
      id: booked.id,
      partnerLink: 'https://dms.example.test/wo/300',
      scheduledAt: '2026-12-02T10:30:00.000Z',
    });
    await accepted({
      type: 'partner.work.completed.v1',
      payload: {
        workOrderId: 'WO-301',
        kind: 'work_order',
        stationId: fi.stationIds[0],
        completedAt: '2026-12-03T15:00:00Z',
      },
    });
    expect(await visitByRef('WO-301')).toMatchObject({
      status: 'completed',
      kind: 'work_order',
      channel: 'dms',
      scheduledAt: '2026-12-03T15:00:00.000Z',
    });

    // A receipt with the booking customer's phone: the customers service matches them.
    await accepted({
      type: 'partner.sale.completed.v1',
      payload: {
        receiptNumber: 'POS-300',
        stationId: fi.stationIds[0],
        soldAt: '2026-12-02T11:15:00Z',
        source: 'pos',
        currency: 'EUR',
        totalMinor: 4990,
        lines: [
          {
            kind: 'service',
            name: 'Inspection',
            quantity: 1,
            unitPriceMinor: 4990,
            vatRate: 25.5,
            totalMinor: 4990,
          },
        ],
        customer: { firstName: 'Muutos', phone: customer.phone },
      },
    });
    const sales = await eventually(async () => {
      const page = await fi.admin.expect<SalePage>(
        200,
        'GET',
        `/api/v1/customers/${booked.customerId}/sales`,
      );
      return page.items.length > 0 ? page : undefined;
    }, 15_000);
    expect(sales.items.map((s) => [s.receiptNumber, s.totalMinor, s.visitId])).toEqual([
      ['POS-300', 4990, null],
    ]);
  });

  it('records the consents and preferences a booking or a kiosk carries, with the partner as recorder', async () => {
    const text = (purpose: string) =>
      fi.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
        purpose,
        locale: 'fi',
        body: `Suostumus: ${purpose}.`,
      });
    const email = await text('marketing_email');
    const sms = await text('marketing_sms');
    const customer = {
      firstName: 'Suostuja',
      lastName: 'Verkossa',
      phone: '+358401230077',
      email: 'suostuja@example.test',
    };
    // A text of another tenant, or one for another purpose, is a 422 and nothing is published.
    const theirs = await pl.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
      purpose: 'marketing_email',
      locale: 'pl',
      body: 'Zgoda.',
    });
    expectProblem(
      await send(
        bookingBody('B-C0', {
          customer,
          consents: [
            { purpose: 'marketing_email', decision: 'granted', textId: theirs.id },
            { purpose: 'marketing_sms', decision: 'granted', textId: email.id },
          ],
        }),
      ),
      422,
      'payload.consents.0.textId',
      'unknown_text',
    );

    expect(
      (
        await send(
          bookingBody('B-C1', {
            customer,
            vehicle: undefined,
            consents: [
              { purpose: 'marketing_email', decision: 'granted', textId: email.id },
              {
                purpose: 'marketing_sms',
                decision: 'granted',
                textId: sms.id,
                evidence: { note: 'Ticked on the booking form' },
              },
            ],
            preferences: { preferredChannel: 'sms' },
          }),
        )
      ).status,
    ).toBe(202);
    const visit = await eventually(async () => {
      const page = await fi.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits');
      const found = page.items.find((v) => v.externalId === 'B-C1');
      return found?.customerId ? found : undefined;
    });
    const customerId = visit.customerId as string;
    const consents = await eventually(async () => {
      const view = await fi.admin.expect<CustomerConsentsView>(
        200,
        'GET',
        `/api/v1/customers/${customerId}/consents`,
      );
      return view.current.length === 2 ? view : undefined;
    });
    expect(consents.current.map((c) => [c.purpose, c.decision, c.textId, c.source])).toEqual([
      ['marketing_email', 'granted', email.id, 'online_booking'],
      ['marketing_sms', 'granted', sms.id, 'online_booking'],
    ]);
    expect(consents.current[0].recordedBy).toEqual({ userId: null, partner: 'booking-portal' });
    expect(consents.current[1].evidence).toEqual({ note: 'Ticked on the booking form' });
    expect(
      await fi.admin.expect<CommunicationPreferencesView>(
        200,
        'GET',
        `/api/v1/customers/${customerId}/communication-preferences`,
      ),
    ).toMatchObject({ preferredChannel: 'sms', blocked: false, version: 1 });
    // Made from the booking, its e-mail and phone on file: reachable as it consented, never
    // 'no_address' (its created event tells the consents service they are there).
    expect(
      await eventually(async () => {
        const answer = await fi.admin.expect<ContactabilityView>(
          200,
          'GET',
          `/api/v1/customers/${customerId}/contactability?purpose=marketing&channel=email`,
        );
        return answer.allowed ? answer : undefined;
      }),
    ).toMatchObject({ allowed: true, reasons: [] });

    // At the kiosk the customer withdraws the SMS consent and blocks messages altogether.
    expect(
      (
        await send({
          type: 'partner.customer_details.submitted.v1',
          payload: {
            submissionId: 'K-1',
            stationId: fi.stationIds[0],
            source: 'kiosk',
            customer: { firstName: 'Suostuja', phone: '+358401230077' },
            consents: [{ purpose: 'marketing_sms', decision: 'withdrawn', textId: sms.id }],
            preferences: { blocked: true },
          },
        })
      ).status,
    ).toBe(202);
    const after = await eventually(async () => {
      const view = await fi.admin.expect<CustomerConsentsView>(
        200,
        'GET',
        `/api/v1/customers/${customerId}/consents?history=true`,
      );
      return view.history?.length === 3 ? view : undefined;
    });
    expect(after.current.find((c) => c.purpose === 'marketing_sms')).toMatchObject({
      decision: 'withdrawn',
      source: 'kiosk',
    });
    expect(
      await eventually(async () => {
        const prefs = await fi.admin.expect<CommunicationPreferencesView>(
          200,
          'GET',
          `/api/v1/customers/${customerId}/communication-preferences`,
        );
        return prefs.blocked ? prefs : undefined;
      }),
    ).toMatchObject({ blocked: true, preferredChannel: 'sms', version: 2 });
  });

  it('lists partner events refused on the broker path for admins, without personal data', async () => {
    const eventId = randomUUID();
    await publishToBroker([
      {
        eventId,
        type: 'partner.booking.created.v1',
        occurredAt: new Date().toISOString(),
        tenantId: fi.tenantId,
        producer: 'partner:dms',
        correlationId: null,
        payload: {
          bookingId: 'B-BAD',
          stationId: fi.stationIds[0],
          customer: { firstName: 'Salainen' },
        },
      },
    ]);
    const page = await eventually(async () => {
      const p = await rejectedOf(fi);
      return p.items.length > 0 ? p : undefined;
    });
    expect(page.items[0]).toMatchObject({
      eventId,
      type: 'partner.booking.created.v1',
      producer: 'partner:dms',
    });
    expect(page.items[0].reason).toContain("must have required property 'scheduledAt'");
    expect(JSON.stringify(page)).not.toContain('Salainen');
    expectProblem(await fi.worker.request('GET', '/api/v1/partner/rejected-events'), 403);
    expect(
      (
        await pl.admin.expect<RejectedPartnerEventPage>(
          200,
          'GET',
          '/api/v1/partner/rejected-events',
        )
      ).items,
    ).toEqual([]);
  });

  it('refuses on the broker path too an event naming a station of another tenant', async () => {
    const booking = (bookingId: string, stationId: string) => ({
      eventId: randomUUID(),
      type: 'partner.booking.created.v1',
      occurredAt: new Date().toISOString(),
      tenantId: fi.tenantId,
      producer: 'partner:dms',
      correlationId: null,
      payload: { bookingId, stationId, scheduledAt: '2026-12-03T09:00:00Z' },
    });
    // The stations were announced when the tenants' admins created them.
    const theirs = booking('B-BROKER-THEIRS', pl.stationIds[0]);
    const ours = booking('B-BROKER-OURS', fi.stationIds[0]);
    await publishToBroker([theirs, ours]);
    const rejected = await eventually(async () =>
      (await rejectedOf(fi)).items.find((item) => item.eventId === theirs.eventId),
    );
    expect(rejected.reason).toBe(
      'payload.stationId unknown_station: stationId must be a station of the tenant',
    );
    const visits = await eventually(async () => {
      const page = await fi.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits');
      return page.items.some((v) => v.externalId === 'B-BROKER-OURS') ? page : undefined;
    });
    expect(visits.items.map((v) => v.externalId)).not.toContain('B-BROKER-THEIRS');
    expect((await pl.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits')).items).toEqual([]);
  });

  it('gives partners the JSON Schema of each event type without a key', async () => {
    const list = await partner.expect<{ items: { type: string; schema: string }[] }>(
      200,
      'GET',
      '/api/v1/partner/schemas',
    );
    expect(list.items.map((i) => i.type)).toContain('partner.booking.created.v1');
    const schema = await partner.expect<{ $id: string; required: string[] }>(
      200,
      'GET',
      list.items.find((i) => i.type === 'partner.sale.completed.v1')!.schema,
    );
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'partner.sale.completed.v1',
    });
    expect(schema.required).toContain('receiptNumber');
    expectProblem(
      await partner.request('GET', '/api/v1/partner/schemas/customers.customer.created.v1'),
      404,
    );
  });

  it('stores a key only as its hash and refuses it once revoked', async () => {
    const made = await fi.admin.expect<CreatedPartnerKeyView>(201, 'POST', '/api/v1/partner-keys', {
      partner: 'pos',
      label: 'Till 1',
    });
    expect((await send(bookingBody('B-HASH', { vehicle: undefined }), made.key)).status).toBe(202);
    const db = new Client(e2e.database.settings);
    await db.connect();
    try {
      const { rows } = await db.query<Record<string, unknown>>(
        'SELECT * FROM gateway.partner_keys WHERE id = $1',
        [made.id],
      );
      expect(rows).toHaveLength(1);
      const [row] = rows;
      const secret = made.key.slice(made.prefix.length);
      // No column holds the key, nor the part of it after the shown prefix, in any form kept.
      for (const [column, value] of Object.entries(row)) {
        const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
        expect({ column, hasKey: text.includes(made.key) }).toEqual({ column, hasKey: false });
        expect({ column, hasSecret: text.includes(secret) }).toEqual({ column, hasSecret: false });
      }
      expect(row.prefix).toBe(made.key.slice(0, 12));
      expect(row.key_hash).toEqual(createHash('sha256').update(made.key).digest());
    } finally {
      await db.end();
    }
    await fi.admin.expect(200, 'DELETE', `/api/v1/partner-keys/${made.id}`);
    expectProblem(await send(bookingBody('B-HASH-2'), made.key), 401);
    expectProblem(
      await partner.request('POST', '/api/v1/partner/events', bookingBody('B-HASH-3'), {
        authorization: `ApiKey ${made.key}`,
      }),
      401,
    );
  });

  it('stops a revoked key at once', async () => {
    const spare = await fi.admin.expect<CreatedPartnerKeyView>(
      201,
      'POST',
      '/api/v1/partner-keys',
      { partner: 'kiosk' },
    );
    expect((await send(bookingBody('B-200'), spare.key)).status).toBe(202);
    const revoked = await fi.admin.expect<{ revokedAt: string | null }>(
      200,
      'DELETE',
      `/api/v1/partner-keys/${spare.id}`,
    );
    expect(revoked.revokedAt).not.toBeNull();
    expectProblem(await send(bookingBody('B-201'), spare.key), 401);
    const listed = await fi.admin.expect<PartnerKeyPage>(200, 'GET', '/api/v1/partner-keys');
    expect(listed.items.find((k) => k.id === spare.id)).toMatchObject({
      revokedAt: revoked.revokedAt,
    });
    expect(listed.items.find((k) => k.id === spare.id)?.lastUsedAt).not.toBeNull();
  });
});
