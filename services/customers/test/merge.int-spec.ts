import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import {
  CUSTOMERS,
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  MERGE_COMPLETED_V1,
  MERGE_REQUESTED_V1,
  MERGE_UNDO_REQUESTED_V1,
  MERGE_UNDONE_V1,
  type CreateCustomerDto,
  type CustomerView,
  type EventEnvelope,
} from '@kanta/contracts';
import { commandFor, eventually } from '@kanta/testing';
import { uuidv7 } from '@kanta/platform';
import { GroupMembership } from '../src/customers/update/group-membership';
import { VehicleSearchConsumer } from '../src/vehicle-search/vehicle-search.consumer';
import { assigneeOf, inMs } from './reminder-support';
import {
  AMQP_URL,
  duplicatesOf,
  labelsOf,
  problemOf,
  remindersOf,
  startCustomers,
  tenantFixture,
  type CustomersHarness,
  type TenantFixture,
} from './support';

jest.setTimeout(60_000);

/*
 * Merge (issue #14): privacy.merge.requested.v1 and privacy.merge.undo.requested.v1 are published
 * to the service's queue on the real broker, as the privacy service publishes them; the answers
 * are read from the outbox.
 */
describe('merge of two customers (real Postgres, RabbitMQ and Redis)', () => {
  let h: CustomersHarness;
  let connection: ChannelModel;
  let channel: Channel;
  let t: TenantFixture;
  let survivor: CustomerView;
  let duplicate: CustomerView;
  let groupA: string;
  let groupB: string;
  let reminderId: string;
  let vehicleId: string;
  let pairId: string;
  let request: EventEnvelope;
  let mergeId: string;

  const publish = (envelope: EventEnvelope): void => {
    channel.publish(h.eventsExchange, envelope.type, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
    });
  };
  const envelope = (type: string, tenantId: string, payload: object): EventEnvelope => ({
    eventId: randomUUID(),
    type,
    occurredAt: new Date().toISOString(),
    tenantId,
    producer: type.split('.')[0],
    correlationId: null,
    payload,
  });
  const outboxPayloads = (type: string, key: string, value: string) =>
    h.dataSource
      .query<{ payload: Record<string, unknown> }[]>(
        `SELECT envelope -> 'payload' AS payload FROM customers.outbox
          WHERE type = $1 AND envelope -> 'payload' ->> $2 = $3 ORDER BY id`,
        [type, key, value],
      )
      .then((rows) => rows.map((r) => r.payload));
  const mergeRequest = (
    tenantId: string,
    ids: { survivorId: string; duplicateId: string },
    id = randomUUID(),
  ): EventEnvelope =>
    envelope(MERGE_REQUESTED_V1, tenantId, {
      mergeId: id,
      ...ids,
      requestedAt: new Date().toISOString(),
    });
  /** Publishes the request (or its undo) and waits for this service's `answer`-th answer to it. */
  const answerTo = async (
    request: EventEnvelope,
    answerType: string,
    answer = 1,
  ): Promise<Record<string, unknown>> => {
    publish(request);
    const id = (request.payload as { mergeId: string }).mergeId;
    return eventually(async () => (await outboxPayloads(answerType, 'mergeId', id))[answer - 1]);
  };
  const undoRequest = (of: EventEnvelope): EventEnvelope =>
    envelope(MERGE_UNDO_REQUESTED_V1, of.tenantId!, {
      ...(of.payload as object),
      requestedAt: new Date().toISOString(),
    });
  const create = async (input: CreateCustomerDto): Promise<CustomerView> =>
    (await h.customers.create(t.admin, input, undefined, { allowDuplicate: true })).customer;
  const merged = (survivorId: string) => ({
    status: 409,
    type: expect.stringMatching(/\/customer-merged$/) as unknown,
    survivorId,
  });
  const searchIds = async (query: object) =>
    (await h.customers.search(t.admin, { includePassive: true, ...query })).items.map((c) => c.id);
  const externalIdOf = (customer: CustomerView): string =>
    `${customer.externalIds[0].system}:${customer.externalIds[0].id}`;
  const handled = (eventId: string) =>
    eventually(async () =>
      (
        await h.dataSource.query<unknown[]>('SELECT 1 FROM customers.inbox WHERE event_id = $1', [
          eventId,
        ])
      ).length > 0
        ? true
        : undefined,
    );

  beforeAll(async () => {
    h = await startCustomers('merge');
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    t = tenantFixture();
    const labels = labelsOf(h.app);
    groupA = (await labels.create(t.admin, 'group', 'Kanta-asiakkaat')).id;
    groupB = (await labels.create(t.admin, 'group', 'Yritysasiakkaat')).id;
    survivor = await create({
      firstName: 'Anna',
      lastName: 'Korhonen',
      email: 'anna.korhonen@example.test',
      birthday: '1980-01-01',
      groupIds: [groupA],
      stationIds: [t.stationA],
      addresses: [{ type: 'postal', street: 'Kotikatu 1', postalCode: '00100', city: 'Helsinki' }],
      externalIds: [{ system: 'dms', id: `S-${randomUUID()}` }],
      documents: [{ type: 'passport', series: null, number: 'P1234567' }],
    });
    // Made later, from an online booking: a close name and the same postal code.
    duplicate = await create({
      firstName: 'Anna',
      lastName: 'Korhonen',
      phone: '0401234567',
      email: 'anna@booking.example.test',
      birthday: '1981-02-02',
      notes: 'Varasi verkosta',
      groupIds: [groupB],
      stationIds: [t.stationB],
      addresses: [
        { type: 'postal', street: 'Toinen tie 2', postalCode: '00100', city: 'Helsinki' },
      ],
      externalIds: [{ system: 'booking', id: `D-${randomUUID()}` }],
      documents: [{ type: 'id_card', series: null, number: 'ID998877' }],
    });
    reminderId = (
      await remindersOf(h.app).create(t.admin, {
        customerId: duplicate.id,
        reminder: { dueAt: inMs(3_600_000), comment: 'Soita renkaista' },
        assignee: assigneeOf(t.admin),
      })
    ).id;
    vehicleId = randomUUID();
    await h.dataSource.transaction((manager) =>
      h.app.get(VehicleSearchConsumer).apply(manager, t.tenantId, {
        vehicleId,
        registration: 'MRG-101',
        vin: null,
        customers: [{ customerId: duplicate.id, role: 'owner', isDefault: true }],
        version: 1,
      }),
    );
    const consent = envelope('consents.consent.recorded.v1', t.tenantId, {
      customerId: duplicate.id,
      entryId: uuidv7(),
      purpose: 'marketing_sms',
      decision: 'granted',
      textId: randomUUID(),
      textVersion: 1,
      source: 'reception',
      recordedAt: new Date().toISOString(),
    });
    publish(consent);
    await handled(consent.eventId);
    const page = await duplicatesOf(h.app).list(t.admin, {});
    const pair = page.items.find((p) => p.customers.some((c) => c.id === duplicate.id));
    expect(pair).toBeDefined();
    pairId = pair!.id;
  });

  afterAll(async () => {
    await connection.close();
    await h.close();
  });

  describe('a suggested pair', () => {
    it('is merged into the customer created first', async () => {
      expect(await duplicatesOf(h.app).pairToMerge(t.admin, pairId)).toEqual({
        pairId,
        survivorId: survivor.id,
        duplicateId: duplicate.id,
      });
    });

    it("is 404 unknown, malformed or another tenant's, and 403 for a worker", async () => {
      const other = tenantFixture();
      for (const [context, id] of [
        [t.admin, randomUUID()],
        [t.admin, 'not-a-pair'],
        [other.admin, pairId],
      ] as const) {
        expect(await problemOf(duplicatesOf(h.app).pairToMerge(context, id))).toMatchObject({
          status: 404,
        });
      }
      expect(await problemOf(duplicatesOf(h.app).pairToMerge(t.worker, pairId))).toMatchObject({
        status: 403,
      });
    });
  });

  describe('merged', () => {
    let answer: Record<string, unknown>;

    beforeAll(async () => {
      request = mergeRequest(t.tenantId, { survivorId: survivor.id, duplicateId: duplicate.id });
      mergeId = (request.payload as { mergeId: string }).mergeId;
      answer = await answerTo(request, MERGE_COMPLETED_V1);
    });

    it('answers the counts moved and the conflicting fields, by name', () => {
      expect(answer).toMatchObject({
        mergeId,
        participant: 'customers',
        counts: {
          customers: 1,
          fields: 2,
          groups: 1,
          stations: 1,
          addresses: 1,
          documents: 1,
          externalIds: 1,
          reminders: 1,
          vehicleLinks: 1,
          marketingConsents: 1,
          duplicatePairs: 1,
        },
      });
      expect([...(answer.conflicts as string[])].sort()).toEqual([
        'birthday',
        'customerNumber',
        'email',
      ]);
    });

    it("keeps the survivor's values, takes the empty ones and gains the union", async () => {
      const card = await h.customers.get(t.admin, survivor.id);
      expect(card).toMatchObject({
        status: 'active',
        firstName: 'Anna',
        email: survivor.email,
        birthday: '1980-01-01',
        phone: duplicate.phone,
        notes: 'Varasi verkosta',
        customerNumber: survivor.customerNumber,
        version: survivor.version + 1,
      });
      expect(card.groupIds).toEqual([groupA, groupB]);
      expect(card.stationIds).toEqual([t.stationA, t.stationB]);
      expect(card.addresses).toEqual([...survivor.addresses, ...duplicate.addresses]);
      expect(card.externalIds).toEqual([...survivor.externalIds, ...duplicate.externalIds]);
      expect(card.documents).toEqual([...survivor.documents, ...duplicate.documents]);
      // Found by the duplicate's external id and plate, as the survivor.
      expect(await searchIds({ externalId: externalIdOf(duplicate) })).toEqual([survivor.id]);
      expect(await searchIds({ q: 'MRG-101' })).toEqual([survivor.id]);
      expect(await searchIds({ marketingConsent: 'sms' })).toEqual([survivor.id]);
    });

    it('answers the duplicate with status merged and mergedInto, as it was', async () => {
      expect(await h.customers.get(t.admin, duplicate.id)).toMatchObject({
        status: 'merged',
        mergedInto: survivor.id,
        notes: duplicate.notes,
        version: duplicate.version + 1,
      });
    });

    it('publishes an update of both, the duplicate naming its survivor, ids only', async () => {
      const [dup] = await outboxPayloads(
        'customers.customer.updated.v1',
        'customerId',
        duplicate.id,
      );
      expect(dup).toMatchObject({
        status: 'merged',
        mergedInto: survivor.id,
        changedFields: ['status'],
        version: duplicate.version + 1,
      });
      const [surv] = await outboxPayloads(
        'customers.customer.updated.v1',
        'customerId',
        survivor.id,
      );
      expect(surv).toMatchObject({ status: 'active', version: survivor.version + 1 });
      expect(surv.changedFields).toEqual(
        expect.arrayContaining(['phone', 'notes', 'groupIds', 'externalIds', 'documents']),
      );
      expect(JSON.stringify([dup, surv])).not.toMatch(/Korhonen|Varasi|0401234567/);
    });

    it('still names the merged pair by its id, so the same request reaches the merge again', async () => {
      expect(await duplicatesOf(h.app).pairToMerge(t.admin, pairId)).toEqual({
        pairId,
        survivorId: survivor.id,
        duplicateId: duplicate.id,
      });
    });

    it("moves the duplicate's reminders to the survivor", async () => {
      expect(await remindersOf(h.app).get(t.admin, reminderId)).toMatchObject({
        customerId: survivor.id,
      });
    });

    it('remembers what moved with names, ids and hashes, never a value', async () => {
      const [record] = await h.dataSource.query<Record<string, unknown>[]>(
        'SELECT * FROM customers.customer_merges WHERE merge_id = $1',
        [mergeId],
      );
      expect(record).toMatchObject({
        survivor_id: survivor.id,
        duplicate_id: duplicate.id,
        duplicate_status: 'active',
        taken_fields: ['phone', 'notes'],
      });
      expect(JSON.stringify(record)).not.toMatch(
        /Korhonen|Varasi|0401234567|Toinen|ID998877|booking/,
      );
    });

    it('never shows the duplicate in search, duplicate candidates or pairs', async () => {
      expect(await searchIds({})).not.toContain(duplicate.id);
      expect(await searchIds({ q: duplicate.customerNumber })).not.toContain(duplicate.id);
      // The survivor took the duplicate's phone: a full scan would pair them were it not merged.
      await duplicatesOf(h.app).runScan(t.tenantId, async () => {});
      expect(
        await h.dataSource.query(
          `SELECT 1 FROM customers.duplicate_pairs
            WHERE tenant_id = $1 AND $2 IN (customer_a, customer_b)`,
          [t.tenantId, duplicate.id],
        ),
      ).toEqual([]);
      const page = await duplicatesOf(h.app).list(t.admin, {});
      expect(page.items.flatMap((p) => p.customers.map((c) => c.id))).not.toContain(duplicate.id);
      // A new customer with the phone both now have is a candidate of the survivor only.
      const problem = await problemOf(
        h.customers.create(t.admin, {
          firstName: 'Uusi',
          lastName: 'Asiakas',
          phone: '0401234567',
        }),
      );
      expect(problem).toMatchObject({ status: 409 });
      expect(
        (problem as unknown as { candidates: { customerId: string }[] }).candidates.map(
          (c) => c.customerId,
        ),
      ).toEqual([survivor.id]);
    });

    it('refuses every write on the duplicate with 409 customer-merged naming the survivor', async () => {
      const card = await h.customers.get(t.admin, duplicate.id);
      expect(
        await problemOf(h.customers.update(t.admin, duplicate.id, card.version, { notes: 'x' })),
      ).toMatchObject(merged(survivor.id));
      const data = { customerId: duplicate.id, groupId: groupA, member: true };
      expect(
        await problemOf(
          h.app
            .get(GroupMembership)
            .set(
              t.admin,
              duplicate.id,
              groupA,
              true,
              commandFor(CUSTOMERS.setGroupMembership, t.admin, data),
            ),
        ),
      ).toMatchObject(merged(survivor.id));
      expect(
        await problemOf(
          remindersOf(h.app).create(t.admin, {
            customerId: duplicate.id,
            reminder: { dueAt: inMs(3_600_000), comment: 'Soita' },
            assignee: assigneeOf(t.admin),
          }),
        ),
      ).toMatchObject(merged(survivor.id));
      const other = await create({ firstName: 'Kolmas', lastName: 'Asiakas' });
      expect(
        await problemOf(duplicatesOf(h.app).dismiss(t.admin, [other.id, duplicate.id])),
      ).toMatchObject(merged(survivor.id));
      expect((await h.customers.get(t.admin, duplicate.id)).version).toBe(card.version);
    });

    it("answers a partner's late event about the duplicate with the survivor", async () => {
      const booking = envelope('partner.booking.created.v1', t.tenantId, {
        bookingId: `B-${randomUUID()}`,
        stationId: t.stationA,
        scheduledAt: '2026-12-01T09:00:00Z',
        // Only the duplicate has this e-mail address (the survivor kept its own).
        customer: { firstName: 'Anna', lastName: 'Korhonen', email: duplicate.email },
      });
      publish(booking);
      const resolution = await eventually(
        async () =>
          (
            await outboxPayloads('customers.contact.resolved.v1', 'partnerEventId', booking.eventId)
          )[0],
      );
      expect(resolution).toMatchObject({ outcome: 'matched', customerId: survivor.id });
    });

    it('moves nothing twice: redelivered, or asked again', async () => {
      const survivorVersion = (await h.customers.get(t.admin, survivor.id)).version;
      publish(request);
      const again = envelope(MERGE_REQUESTED_V1, t.tenantId, request.payload as object);
      const answer = await answerTo(again, MERGE_COMPLETED_V1, 2);
      expect(answer.counts).toEqual({});
      expect(await outboxPayloads(MERGE_COMPLETED_V1, 'mergeId', mergeId)).toHaveLength(2);
      expect((await h.customers.get(t.admin, survivor.id)).version).toBe(survivorVersion);
    });
  });

  describe('undone', () => {
    let answer: Record<string, unknown>;
    let since: string;

    beforeAll(async () => {
      // Changed since the merge: the survivor's notes stay; a reminder added since stays.
      const card = await h.customers.get(t.admin, survivor.id);
      await h.customers.update(t.admin, survivor.id, card.version, { notes: 'Muutettu' });
      since = (
        await remindersOf(h.app).create(t.admin, {
          customerId: survivor.id,
          reminder: { dueAt: inMs(3_600_000), comment: 'Uusi' },
          assignee: assigneeOf(t.admin),
        })
      ).id;
      answer = await answerTo(undoRequest(request), MERGE_UNDONE_V1);
    });

    it('gives the duplicate its status back and publishes both', async () => {
      expect(answer).toMatchObject({
        participant: 'customers',
        counts: { customers: 1, reminders: 1, externalIds: 1, vehicleLinks: 1 },
      });
      const card = await h.customers.get(t.admin, duplicate.id);
      expect(card.status).toBe('active');
      expect(card.mergedInto).toBeUndefined();
      const updates = await outboxPayloads(
        'customers.customer.updated.v1',
        'customerId',
        duplicate.id,
      );
      expect(updates[updates.length - 1]).toMatchObject({ status: 'active' });
      expect(updates[updates.length - 1].mergedInto).toBeUndefined();
    });

    it('takes back what the survivor gained, unless it was changed since', async () => {
      const card = await h.customers.get(t.admin, survivor.id);
      expect(card).toMatchObject({
        phone: null,
        notes: 'Muutettu',
        groupIds: [groupA],
        stationIds: [t.stationA],
        addresses: survivor.addresses,
        externalIds: survivor.externalIds,
        documents: survivor.documents,
      });
      expect(await searchIds({ externalId: externalIdOf(duplicate) })).toEqual([duplicate.id]);
      expect(await searchIds({ q: 'MRG-101' })).toEqual([duplicate.id]);
    });

    it('names the pair no more (an undo does not bring the pair back)', async () => {
      expect(await problemOf(duplicatesOf(h.app).pairToMerge(t.admin, pairId))).toMatchObject({
        status: 404,
      });
    });

    it('moves the reminders back; one added since stays with the survivor', async () => {
      expect(await remindersOf(h.app).get(t.admin, reminderId)).toMatchObject({
        customerId: duplicate.id,
      });
      expect(await remindersOf(h.app).get(t.admin, since)).toMatchObject({
        customerId: survivor.id,
      });
    });

    it('is undone once: asked again, nothing moves', async () => {
      const answer = await answerTo(undoRequest(request), MERGE_UNDONE_V1, 2);
      expect(answer.counts).toEqual({});
      const unknown = mergeRequest(t.tenantId, {
        survivorId: survivor.id,
        duplicateId: duplicate.id,
      });
      expect((await answerTo(undoRequest(unknown), MERGE_UNDONE_V1)).counts).toEqual({});
    });
  });

  describe('a chain of merges', () => {
    it('resolves A into B, then B into C, to C', async () => {
      const a = await create({ firstName: 'Ketju', lastName: 'Eka' });
      const b = await create({ firstName: 'Ketju', lastName: 'Toka' });
      const c = await create({ firstName: 'Ketju', lastName: 'Kolmas' });
      await answerTo(
        mergeRequest(t.tenantId, { survivorId: b.id, duplicateId: a.id }),
        MERGE_COMPLETED_V1,
      );
      await answerTo(
        mergeRequest(t.tenantId, { survivorId: c.id, duplicateId: b.id }),
        MERGE_COMPLETED_V1,
      );
      expect(await h.customers.get(t.admin, a.id)).toMatchObject({
        status: 'merged',
        mergedInto: c.id,
      });
      const card = await h.customers.get(t.admin, a.id);
      expect(
        await problemOf(h.customers.update(t.admin, a.id, card.version, { notes: 'x' })),
      ).toMatchObject(merged(c.id));
    });

    it('moves nothing into or out of a merged or erased customer', async () => {
      const a = await create({ firstName: 'Suoja', lastName: 'Eka' });
      const b = await create({ firstName: 'Suoja', lastName: 'Toka' });
      const c = await create({ firstName: 'Suoja', lastName: 'Kolmas' });
      await answerTo(
        mergeRequest(t.tenantId, { survivorId: b.id, duplicateId: a.id }),
        MERGE_COMPLETED_V1,
      );
      const again = await answerTo(
        mergeRequest(t.tenantId, { survivorId: c.id, duplicateId: a.id }),
        MERGE_COMPLETED_V1,
      );
      expect(again).toMatchObject({ counts: { customers: 0 } });
      expect((await h.customers.get(t.admin, a.id)).mergedInto).toBe(b.id);
    });
  });

  it('erases a customer with the ones merged into it, and their merge records', async () => {
    const a = await create({ firstName: 'Poisto', lastName: 'Eka', notes: 'Muistiinpano' });
    const b = await create({ firstName: 'Poisto', lastName: 'Toka' });
    const merge = mergeRequest(t.tenantId, { survivorId: b.id, duplicateId: a.id });
    await answerTo(merge, MERGE_COMPLETED_V1);
    const erasure = envelope(ERASURE_REQUESTED_V1, t.tenantId, {
      erasureId: randomUUID(),
      customerId: b.id,
      mergedCustomerIds: [a.id],
      requestedAt: new Date().toISOString(),
    });
    publish(erasure);
    const answer = await eventually(
      async () =>
        (
          await outboxPayloads(
            ERASURE_COMPLETED_V1,
            'erasureId',
            (erasure.payload as { erasureId: string }).erasureId,
          )
        )[0],
    );
    expect(answer).toMatchObject({ counts: { customers: 2, merges: 1 } });
    for (const id of [a.id, b.id]) {
      const card = await h.customers.get(t.admin, id);
      expect(card.status).toBe('erased');
      expect(card.mergedInto).toBeUndefined();
      expect(card.notes).toBeNull();
    }
    expect(
      await h.dataSource.query('SELECT 1 FROM customers.customer_merges WHERE merge_id = $1', [
        (merge.payload as { mergeId: string }).mergeId,
      ]),
    ).toEqual([]);
  });
});
