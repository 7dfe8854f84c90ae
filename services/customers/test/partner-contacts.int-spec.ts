import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { EventEnvelope, PartnerContact } from '@kanta/contracts';
import { eventually } from '@kanta/testing';
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
    expect(answer).toMatchObject({ outcome: 'created', stationIds: [t.stationA] });
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
