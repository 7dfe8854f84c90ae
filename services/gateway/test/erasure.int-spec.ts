import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { DataSource } from 'typeorm';
import { ERASURE_COMPLETED_V1, ERASURE_REQUESTED_V1 } from '@kanta/contracts';
import { insertDeadLetter } from '@kanta/messaging';
import { eventuallyPasses } from '@kanta/testing';
import {
  bootGateway,
  createTenantFixture,
  ROOT_EMAIL,
  type Harness,
  type TenantFixture,
} from './gateway-harness';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** A value of the person, to look for in every table of the gateway's schema. */
const CANARY = 'Gwcanary7Q';

describe('the gateway in an erasure', () => {
  let h: Harness;
  let tenant: TenantFixture;
  let apiKey: string;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  /** Messages of the run's exchange, by routing key pattern, as published. */
  const heard: { routingKey: string; body: string }[] = [];

  beforeAll(async () => {
    h = await bootGateway('erasure');
    tenant = await createTenantFixture(h, await h.login(ROOT_EMAIL), 'erasure-gw');
    const key = await h.call('POST', '/api/v1/partner-keys', {
      token: tenant.adminToken,
      body: { partner: 'booking-portal' },
    });
    apiKey = key.body.key as string;
    broker = await connect(AMQP_URL);
    channel = await broker.createConfirmChannel();
    // What the services would take: partner events and the gateway's answers.
    const { queue } = await channel.assertQueue('', { exclusive: true });
    for (const pattern of ['partner.#', ERASURE_COMPLETED_V1]) {
      await channel.bindQueue(queue, h.config.eventsExchange, pattern);
    }
    await channel.consume(queue, (message) => {
      if (message)
        heard.push({ routingKey: message.fields.routingKey, body: message.content.toString() });
    });
  });

  afterAll(async () => {
    await broker?.close();
    await h?.close();
  });

  /** The text, json and bytea columns of the gateway's schema that hold `value` somewhere. */
  const columnsHolding = async (value: string): Promise<string[]> => {
    const columns = await h.db.query<{
      table_name: string;
      column_name: string;
      data_type: string;
    }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'gateway'
          AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY')`,
    );
    const found: string[] = [];
    for (const { table_name, column_name, data_type } of columns) {
      const holds =
        data_type === 'bytea'
          ? `position(convert_to($1, 'UTF8') IN "${column_name}") > 0`
          : `"${column_name}"::text LIKE '%' || $1 || '%'`;
      const [{ n }] = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM gateway."${table_name}" WHERE ${holds}`,
        [value],
      );
      if (n > 0) found.push(`${table_name}.${column_name}`);
    }
    return found;
  };

  const booking = (eventId: string) => ({
    type: 'partner.booking.created.v1',
    eventId,
    payload: {
      bookingId: `B-${eventId.slice(0, 8)}`,
      stationId: tenant.stationIds[0],
      scheduledAt: '2026-12-01T09:00:00Z',
      channel: 'online_booking',
      customer: {
        firstName: CANARY,
        lastName: 'Varaaja',
        phone: '+358401230077',
        email: `${CANARY.toLowerCase()}@example.test`,
      },
      specialRequests: `${CANARY} wants coffee`,
    },
  });

  it('keeps no partner event once it is published: the id stays, and a resend is still a duplicate', async () => {
    const eventId = randomUUID();
    const post = () =>
      h.call('POST', '/api/v1/partner/events', {
        body: booking(eventId),
        headers: { 'x-api-key': apiKey },
      });
    const first = await post();
    expect(first.status).toBe(202);
    expect(first.body.duplicate).toBe(false);
    await eventuallyPasses(async () => {
      expect(heard.map((m) => m.body).some((body) => body.includes(eventId))).toBe(true);
      const rows = await h.db.query('SELECT 1 FROM gateway.outbox WHERE event_id = $1', [eventId]);
      expect(rows).toHaveLength(0);
    });
    expect(await columnsHolding(CANARY)).toEqual([]);
    const ids = await h.db.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM gateway.partner_event_ids WHERE event_id = $1',
      [eventId],
    );
    expect(ids).toEqual([{ tenant_id: tenant.tenantId }]);
    const again = await post();
    expect(again.status).toBe(202);
    expect(again.body.duplicate).toBe(true);
  });

  it('answers an erasure request, having deleted the dead letters and published rows that name the customer', async () => {
    const customerId = randomUUID();
    const erasureId = randomUUID();
    const otherCustomer = randomUUID();
    for (const named of [customerId, otherCustomer]) {
      await insertDeadLetter(h.gateway.app.get(DataSource), 'gateway', {
        tenantId: tenant.tenantId,
        consumer: 'unroutable',
        reason: 'unroutable',
        eventId: randomUUID(),
        eventType: 'customers.customer.noted.v9',
        routingKey: 'customers.customer.noted.v9',
        lastError: 'no queue bound',
        attempts: 0,
        body: Buffer.from(JSON.stringify({ payload: { customerId: named, note: CANARY } })),
        properties: {},
      });
    }
    const requestId = randomUUID();
    channel.publish(
      h.config.eventsExchange,
      ERASURE_REQUESTED_V1,
      Buffer.from(
        JSON.stringify({
          eventId: requestId,
          type: ERASURE_REQUESTED_V1,
          occurredAt: new Date().toISOString(),
          tenantId: tenant.tenantId,
          producer: 'privacy',
          correlationId: 'erasure-test',
          payload: { erasureId, customerId, requestedAt: new Date().toISOString() },
        }),
      ),
      { persistent: true, contentType: 'application/json', messageId: requestId },
    );
    await channel.waitForConfirms();
    const answer = await eventuallyPasses(
      async () => {
        const found = heard.find(
          (m) => m.routingKey === ERASURE_COMPLETED_V1 && m.body.includes(erasureId),
        );
        expect(found).toBeDefined();
        return JSON.parse(found!.body) as { tenantId: string; payload: Record<string, unknown> };
      },
      { timeoutMs: 15_000 },
    );
    expect(answer.tenantId).toBe(tenant.tenantId);
    expect(answer.payload).toMatchObject({
      erasureId,
      customerId,
      participant: 'gateway',
      counts: { deadLetters: 1, outbox: 0 },
    });
    const left = await h.db.query<{ body: Buffer }>('SELECT body FROM gateway.dead_letters');
    expect(left.map((r) => r.body.toString())).toEqual([expect.stringContaining(otherCustomer)]);
  });
});
