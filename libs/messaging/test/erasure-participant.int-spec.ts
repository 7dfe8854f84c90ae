import { randomUUID } from 'node:crypto';
import { CUSTOMER_CREATED_V1 } from '@kanta/contracts';
import { ErasureParticipant, Outbox, insertDeadLetter, type OutboxEvent } from '@kanta/messaging';
import { SCHEMA, createMessagingDatabase, type MessagingDatabase } from './support';

jest.setTimeout(30_000);

/*
 * What ErasureParticipant clears of a customer in the messaging tables every service has: the
 * dead letters naming the customer (the tenant's, and those kept without a tenant), published
 * outbox rows naming it, and the consents an unpublished row carries; nothing of anyone else's.
 */
describe('ErasureParticipant: the messaging tables', () => {
  let database: MessagingDatabase;
  const participant = new ErasureParticipant('customers', SCHEMA);
  const outbox = new Outbox(SCHEMA, 'customers');
  const tenantId = randomUUID();

  beforeAll(async () => {
    database = await createMessagingDatabase('erasure-participant');
  });
  afterAll(() => database.close());

  const deadLetter = (tenant: string | null, body: object) =>
    insertDeadLetter(database.dataSource, SCHEMA, {
      tenantId: tenant,
      consumer: 'customers',
      reason: 'handler-failed',
      eventId: randomUUID(),
      eventType: CUSTOMER_CREATED_V1,
      routingKey: CUSTOMER_CREATED_V1,
      lastError: 'failed',
      attempts: 5,
      body: Buffer.from(JSON.stringify(body)),
      properties: {},
    });
  const created = (
    customerId: string,
    evidence?: string,
  ): OutboxEvent<typeof CUSTOMER_CREATED_V1> => ({
    type: CUSTOMER_CREATED_V1,
    tenantId,
    correlationId: null,
    payload: {
      customerId,
      customerNumber: '1',
      kind: 'person' as const,
      status: 'active' as const,
      origin: 'reception' as const,
      stationIds: [],
      version: 1,
      ...(evidence
        ? {
            consents: {
              source: 'reception' as const,
              recordedBy: randomUUID(),
              decisions: [
                {
                  purpose: 'marketing_email',
                  decision: 'granted' as const,
                  textId: randomUUID(),
                  evidence: { note: evidence },
                },
              ],
            },
          }
        : {}),
    },
  });

  it('deletes what names the customer, strips the consents of its unpublished rows, and keeps the rest', async () => {
    const customerId = randomUUID();
    const other = randomUUID();
    await deadLetter(tenantId, { payload: { customerId } });
    await deadLetter(null, `not an envelope, but it names ${customerId}` as unknown as object);
    await deadLetter(tenantId, { payload: { customerId: other } });
    await deadLetter(randomUUID(), { payload: { customerId } });
    const [published] = await database.dataSource.transaction((m) =>
      outbox.enqueue(m, [created(customerId)]),
    );
    await database.dataSource.query(
      `UPDATE "${SCHEMA}".outbox SET published_at = now() WHERE event_id = $1`,
      [published.eventId],
    );
    const [pending] = await database.dataSource.transaction((m) =>
      outbox.enqueue(m, [created(customerId, 'signed-form-note')]),
    );
    await database.dataSource.transaction((m) => outbox.enqueue(m, [created(other, 'keep-me')]));

    const counts = await database.dataSource.transaction((m) =>
      participant.eraseMessages(m, tenantId, [customerId]),
    );

    expect(counts).toEqual({ deadLetters: 2, outbox: 1, unpublishedConsents: 1 });
    const letters = await database.dataSource.query<{ body: Buffer; tenant_id: string | null }[]>(
      `SELECT body, tenant_id FROM "${SCHEMA}".dead_letters`,
    );
    // Another customer's, and another tenant's naming the same id (not this tenant's erasure).
    expect(letters).toHaveLength(2);
    expect(letters.some((l) => l.body.toString().includes(other))).toBe(true);
    const rows = await database.dataSource.query<
      { event_id: string; envelope: { payload: Record<string, unknown> } }[]
    >(`SELECT event_id, envelope FROM "${SCHEMA}".outbox ORDER BY id`);
    expect(rows.map((r) => r.event_id)).not.toContain(published.eventId);
    const stripped = rows.find((r) => r.event_id === pending.eventId);
    expect(stripped?.envelope.payload).toMatchObject({ customerId });
    expect(stripped?.envelope.payload.consents).toBeUndefined();
    expect(JSON.stringify(rows)).toContain('keep-me');
    expect(JSON.stringify(rows)).not.toContain('signed-form-note');
  });
});
