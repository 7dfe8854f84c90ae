import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { EventEnvelope, PartnerContact } from '@kanta/contracts';
import { deadLetterOf, eventually, inOneHeldBatch } from '@kanta/testing';
import { AMQP_URL, startCustomers, tenantFixture, type CustomersHarness } from './support';

/*
 * Partner events' contact details resolved to customers: published to this file's exchange on
 * the real broker, consumed by the service, the answer read from its outbox.
 */
describe('partner contact details to customers (real Postgres and RabbitMQ)', () => {
  let h: CustomersHarness;
  let connection: ChannelModel;
  let channel: Channel;
  beforeAll(async () => {
    h = await startCustomers('partnercontacts');
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await connection.close();
    await h.close();
  });

  const publish = (envelope: EventEnvelope): void => {
    channel.publish(h.eventsExchange, envelope.type, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
    });
  };
  /** Publishes the event and waits until the service has answered it. */
  const deliver = async (envelope: EventEnvelope): Promise<void> => {
    publish(envelope);
    await eventually(async () =>
      (await resolution(envelope.eventId)).length > 0 ? true : undefined,
    );
  };
  const booking = (
    tenantId: string,
    stationId: string,
    customer: PartnerContact,
    eventId = randomUUID(),
  ): EventEnvelope => ({
    eventId,
    type: 'partner.booking.created.v1',
    occurredAt: new Date().toISOString(),
    tenantId,
    producer: 'partner:booking-portal',
    correlationId: null,
    payload: {
      bookingId: `B-${eventId}`,
      stationId,
      scheduledAt: '2026-12-01T09:00:00Z',
      customer,
    },
  });
  const resolution = async (eventId: string) => {
    const rows = await h.dataSource.query<{ payload: Record<string, unknown> }[]>(
      `SELECT envelope->'payload' AS payload FROM customers.outbox
        WHERE type = 'customers.contact.resolved.v1' AND envelope->'payload'->>'partnerEventId' = $1`,
      [eventId],
    );
    return rows.map((r) => r.payload);
  };

  it('creates a customer from a name and a phone, once however often the event comes', async () => {
    const t = tenantFixture();
    const event = booking(t.tenantId, t.stationA, {
      firstName: 'Kioski',
      lastName: 'Asiakas',
      phone: '+358401110001',
    });
    await deliver(event);
    await deliver(event);
    const [answer, ...more] = await resolution(event.eventId);
    expect(more).toEqual([]);
    // Nothing in it for the consents service to wait on.
    expect(answer).toMatchObject({
      outcome: 'created',
      stationIds: [t.stationA],
      carriesConsents: false,
    });
    const customer = await h.customers.get(t.admin, answer.customerId as string);
    expect(customer).toMatchObject({
      firstName: 'Kioski',
      phone: '+358401110001',
      origin: 'online_booking',
      stationIds: [t.stationA],
    });
    const created = await h.dataSource.query<unknown[]>(
      `SELECT 1 FROM customers.outbox WHERE type = 'customers.customer.created.v1'
         AND envelope->'payload'->>'customerId' = $1`,
      [customer.id],
    );
    expect(created).toHaveLength(1);
  });

  it('publishes a customer it creates with whether an e-mail address and a phone are on file', async () => {
    // Without them the consents service takes the customer for one it cannot reach.
    const t = tenantFixture();
    const byPhone = booking(t.tenantId, t.stationA, {
      firstName: 'Vain',
      lastName: 'Puhelin',
      phone: '+358401110031',
    });
    const byEmail = booking(t.tenantId, t.stationA, {
      firstName: 'Vain',
      lastName: 'Sähköposti',
      email: 'vain.sahkoposti@example.test',
    });
    await deliver(byPhone);
    await deliver(byEmail);
    const createdEvent = async (eventId: string) => {
      const [answer] = await resolution(eventId);
      const [row] = await h.dataSource.query<{ payload: Record<string, unknown> }[]>(
        `SELECT envelope->'payload' AS payload FROM customers.outbox
          WHERE type = 'customers.customer.created.v1' AND envelope->'payload'->>'customerId' = $1`,
        [answer.customerId],
      );
      return row.payload;
    };
    expect(await createdEvent(byPhone.eventId)).toMatchObject({
      status: 'active',
      version: 1,
      hasEmail: false,
      hasPhone: true,
    });
    expect(await createdEvent(byEmail.eventId)).toMatchObject({ hasEmail: true, hasPhone: false });
  });

  it('refuses an event naming a station its tenant does not have, once the tenant’s stations are known', async () => {
    const t = tenantFixture();
    const contact = (n: number): PartnerContact => ({
      firstName: 'Asema',
      phone: `+3584011100${90 + n}`,
    });
    // No station of the tenant announced yet: nothing to judge by, nothing refused.
    const early = booking(t.tenantId, t.stationB, contact(1));
    await deliver(early);
    const other = tenantFixture();
    for (const [tenantId, stationId] of [
      [t.tenantId, t.stationA],
      [other.tenantId, other.stationA],
    ]) {
      publish({
        eventId: randomUUID(),
        type: 'gateway.station.created.v1',
        occurredAt: new Date().toISOString(),
        tenantId,
        producer: 'gateway',
        correlationId: null,
        payload: { stationId },
      });
    }
    await eventually(async () =>
      (
        await h.dataSource.query<unknown[]>(
          'SELECT 1 FROM customers.known_stations WHERE station_id = ANY($1::uuid[])',
          [[t.stationA, other.stationA]],
        )
      ).length === 2
        ? true
        : undefined,
    );
    // Another tenant's station (one nobody announced is retried first: see KnownStations).
    const foreign = booking(t.tenantId, other.stationA, contact(2));
    publish(foreign);
    // A cancel is not this service's to act on: acked as it is, whatever station it names.
    const cancel: EventEnvelope = {
      ...booking(t.tenantId, other.stationA, contact(4)),
      type: 'partner.booking.cancelled.v1',
      payload: { bookingId: 'B-CANCEL', stationId: other.stationA },
    };
    publish(cancel);
    const known = booking(t.tenantId, t.stationA.toUpperCase(), contact(3));
    await deliver(known);
    expect(await deadLetterOf(h.dataSource, 'customers', foreign.eventId)).toMatchObject({
      reason: 'invalid-message',
      last_error: 'payload.stationId unknown_station: stationId must be a station of the tenant',
    });
    expect(await resolution(foreign.eventId)).toEqual([]);
    // Taken (its inbox row: handled, by nothing), not refused.
    await eventually(async () =>
      (
        await h.dataSource.query<unknown[]>('SELECT 1 FROM customers.inbox WHERE event_id = $1', [
          cancel.eventId,
        ])
      ).length
        ? true
        : undefined,
    );
    expect(
      await h.dataSource.query('SELECT 1 FROM customers.dead_letters WHERE event_id = $1', [
        cancel.eventId,
      ]),
    ).toEqual([]);
    const made = await h.dataSource.query<{ phone: string }[]>(
      'SELECT phone FROM customers.customers WHERE tenant_id = $1 ORDER BY phone',
      [t.tenantId],
    );
    expect(made.map((c) => c.phone)).toEqual(['+358401110091', '+358401110093']);
  });

  it('matches by external id, then exact E.164 phone, then lower-cased e-mail', async () => {
    const t = tenantFixture();
    const byPhone = (
      await h.customers.create(t.admin, {
        firstName: 'P',
        lastName: 'Hone',
        phone: '+358401110002',
      })
    ).customer;
    const byEmail = (
      await h.customers.create(t.admin, {
        firstName: 'E',
        lastName: 'Mail',
        email: 'mail@example.test',
      })
    ).customer;
    const byExternal = (
      await h.customers.create(t.admin, {
        firstName: 'X',
        lastName: 'Ternal',
        externalIds: [{ system: 'booking', id: 'C-1' }],
      })
    ).customer;
    const cases: [PartnerContact, string][] = [
      [{ phone: '+358401110002' }, byPhone.id],
      [{ email: 'MAIL@Example.TEST', firstName: 'Other' }, byEmail.id],
      [{ externalId: { system: 'booking', id: 'C-1' }, phone: '+358401110002' }, byExternal.id],
    ];
    for (const [contact, expected] of cases) {
      const event = booking(t.tenantId, t.stationB, contact);
      await deliver(event);
      expect((await resolution(event.eventId))[0]).toMatchObject({
        customerId: expected,
        outcome: 'matched',
      });
    }
    // An event with preferences (or consents) says so: the consents service waits for its answer.
    const withPreferences = booking(t.tenantId, t.stationB, {
      firstName: 'Toinen',
      phone: '+358401110002',
    });
    Object.assign(withPreferences.payload as object, { preferences: { blocked: true } });
    await deliver(withPreferences);
    expect((await resolution(withPreferences.eventId))[0]).toMatchObject({
      customerId: byPhone.id,
      carriesConsents: true,
    });
    // Another tenant's customer with the same phone is never matched.
    const other = tenantFixture();
    const event = booking(other.tenantId, other.stationA, { phone: '+358401110002' });
    await deliver(event);
    expect((await resolution(event.eventId))[0]).toMatchObject({
      customerId: null,
      outcome: 'insufficient',
    });
  });

  it('never creates a customer from a name alone, nor from a phone without a name', async () => {
    const t = tenantFixture();
    for (const contact of [{ firstName: 'Vain', lastName: 'Nimi' }, { phone: '+358401110003' }]) {
      const event = booking(t.tenantId, t.stationA, contact);
      await deliver(event);
      expect((await resolution(event.eventId))[0]).toMatchObject({
        customerId: null,
        outcome: 'insufficient',
      });
    }
    expect((await h.customers.search(t.admin, { q: 'vain' })).items).toEqual([]);
  });

  /**
   * Holds the consumer's batch with a first event on an identifier the test has locked, so the
   * events published meanwhile gather into the next batch, as a burst does in production.
   */
  const inOneBatch = (tenantId: string, stationId: string, events: EventEnvelope[]) => {
    const gatePhone = '+358401110099';
    return inOneHeldBatch(
      h.dataSource,
      `customers:contact:${tenantId}:p:${gatePhone}`,
      () => publish(booking(tenantId, stationId, { firstName: 'Portti', phone: gatePhone })),
      () => events.forEach((event) => publish(event)),
    );
  };

  it('resolves the events of a batch in one transaction as if one after another: one customer for a contact two events bring, an event delivered twice answered once, a name alone never a customer', async () => {
    const t = tenantFixture();
    const contact = { firstName: 'Erä', lastName: 'Varaaja', phone: '+358401110010' };
    const first = booking(t.tenantId, t.stationA, contact);
    const second = booking(t.tenantId, t.stationA, { ...contact, email: 'era@example.test' });
    const byEmail = booking(t.tenantId, t.stationA, { email: 'ERA@example.test' });
    const nameOnly = booking(t.tenantId, t.stationA, { firstName: 'Vain', lastName: 'Nimi' });

    await inOneBatch(t.tenantId, t.stationA, [first, second, first, byEmail, nameOnly]);
    await eventually(async () => ((await resolution(nameOnly.eventId)).length ? true : undefined));

    const answers = await Promise.all([first, second, byEmail].map((e) => resolution(e.eventId)));
    expect(answers.map((a) => a.length)).toEqual([1, 1, 1]);
    const [[created], [matched], [viaEmail]] = answers;
    expect(created).toMatchObject({ outcome: 'created', stationIds: [t.stationA] });
    expect(matched).toMatchObject({ outcome: 'matched', customerId: created.customerId });
    // The e-mail came with the second event, but the customer had been made by the first.
    expect(viaEmail).toMatchObject({ outcome: 'insufficient', customerId: null });
    expect((await resolution(nameOnly.eventId))[0]).toMatchObject({ outcome: 'insufficient' });
    const customers = await h.dataSource.query<unknown[]>(
      `SELECT 1 FROM customers.customers WHERE tenant_id = $1 AND phone = '+358401110010'`,
      [t.tenantId],
    );
    expect(customers).toHaveLength(1);
    // One transaction: the inbox rows share its start time.
    const inbox = await h.dataSource.query<{ at: string }[]>(
      `SELECT DISTINCT processed_at::text AS at FROM customers.inbox WHERE event_id = ANY($1)`,
      [[first, second, byEmail, nameOnly].map((e) => e.eventId)],
    );
    expect(inbox).toHaveLength(1);
  });

  it('creates one customer when two events bring the same new contact at once', async () => {
    const t = tenantFixture();
    const contact = { firstName: 'Sama', lastName: 'Kontakti', email: 'same@example.test' };
    const events = [
      booking(t.tenantId, t.stationA, contact),
      booking(t.tenantId, t.stationA, contact),
    ];
    await Promise.all(events.map(deliver));
    const ids = new Set<unknown>();
    for (const e of events) ids.add((await resolution(e.eventId))[0].customerId);
    expect(ids.size).toBe(1);
  });
});
