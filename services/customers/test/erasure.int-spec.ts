import { randomBytes, randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { Queue } from 'bullmq';
import {
  CUSTOMERS,
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  type CallerContext,
  type CustomerView,
  type EventEnvelope,
  type Locale,
  type PartnerContact,
} from '@kanta/contracts';
import { commandFor, deadLetterOf, eventually } from '@kanta/testing';
import { uuidv7 } from '@kanta/platform';
import { GroupMembership } from '../src/customers/update/group-membership';
import { ReminderJobs, type ReminderDueJob } from '../src/reminders/reminder-jobs';
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
 * Erasure (issue #14): a customer whose every field holds a token of its own goes through every
 * path that keeps something of it here (card, sealed fields, reminders and their jobs, a vehicle's
 * plates, marketing consents, duplicate pairs, partner events answered and dead-lettered); then
 * privacy.erasure.requested.v1 is published to the service's queue on the real broker, and every
 * text, JSON and bytea column of every table of the schema is searched for the tokens.
 */
describe('erasure of a customer (real Postgres, RabbitMQ and Redis)', () => {
  let h: CustomersHarness;
  let connection: ChannelModel;
  let channel: Channel;
  let queue: Queue<ReminderDueJob>;
  let t: TenantFixture;
  const token = (label: string): string => `cnry${label}${randomBytes(5).toString('hex')}`;
  /** Nine digits of the phone, as E.164, as typed and as national digits all contain them. */
  const phoneDigits = `40${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const tokens = {
    firstName: token('first'),
    lastName: token('last'),
    companyName: token('company'),
    businessId: token('business'),
    email: `${token('mail')}@example.test`,
    street: token('street'),
    postalCode: token('p'),
    city: token('city'),
    notes: token('notes'),
    description: token('description'),
    externalId: token('ext'),
    documentSeries: `S${randomBytes(4).toString('hex')}`,
    documentNumber: `N${randomBytes(6).toString('hex')}`,
    leasingCompanyId: token('leasing'),
    comment: token('comment'),
    registration: token('reg'),
    vin: token('vin'),
    birthday: '1984-03-12',
    phone: phoneDigits,
  };
  /** The customer being erased, as it was before, and what its sealed and hashed columns held. */
  let before: CustomerView;
  /** Hex of every sealed value, lookup hash and request fingerprint the customer had. */
  let derived: string[];
  let reminderIds: string[];
  let jobIds: string[];
  let partnerEventId: string;
  let deadPartnerEventId: string;
  let request: EventEnvelope;

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
  const erasureRequest = (tenantId: string, customerId: string): EventEnvelope =>
    envelope(ERASURE_REQUESTED_V1, tenantId, {
      erasureId: randomUUID(),
      customerId,
      requestedAt: new Date().toISOString(),
    });
  const outboxPayloads = (type: string, key: string, value: string) =>
    h.dataSource
      .query<{ payload: Record<string, unknown> }[]>(
        `SELECT envelope -> 'payload' AS payload FROM customers.outbox
          WHERE type = $1 AND envelope -> 'payload' ->> $2 = $3 ORDER BY id`,
        [type, key, value],
      )
      .then((rows) => rows.map((r) => r.payload));
  const completions = (erasureId: string) =>
    outboxPayloads(ERASURE_COMPLETED_V1, 'erasureId', erasureId);
  /** Publishes the request and waits for the service's answer to it. */
  const erase = async (request: EventEnvelope): Promise<Record<string, unknown>> => {
    publish(request);
    const erasureId = (request.payload as { erasureId: string }).erasureId;
    return eventually(async () => (await completions(erasureId))[0]);
  };
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
  const booking = (tenantId: string, customer: PartnerContact, scheduledAt: string) =>
    envelope('partner.booking.created.v1', tenantId, {
      bookingId: `B-${randomUUID()}`,
      stationId: t.stationA,
      scheduledAt,
      customer,
    });
  const resolutionOf = async (eventId: string) =>
    eventually(
      async () =>
        (await outboxPayloads('customers.contact.resolved.v1', 'partnerEventId', eventId))[0],
    );
  const withLocale = (context: CallerContext, locale: Locale): CallerContext => ({
    ...context,
    tenant: { ...context.tenant!, locale },
  });
  /** Every job id of the reminders queue that is not running. */
  const jobsOfQueue = () =>
    queue.getRanges(['delayed', 'wait', 'prioritized', 'waiting-children', 'failed'], 0, -1);

  beforeAll(async () => {
    h = await startCustomers('erasure');
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    queue = h.app.get(ReminderJobs).queue;
    t = tenantFixture();
    const labels = labelsOf(h.app);
    const group = await labels.create(t.admin, 'group', 'Kanta-asiakkaat');
    const source = await labels.create(t.admin, 'source', 'Suositus');
    // Made before the customer (a lower id) and after it: pairs name it on either side.
    const earlier = (
      await h.customers.create(t.admin, { firstName: 'Aiempi', lastName: 'Asiakas' })
    ).customer;
    before = (
      await h.customers.create(t.admin, {
        kind: 'company',
        firstName: tokens.firstName,
        lastName: tokens.lastName,
        companyName: tokens.companyName,
        businessId: tokens.businessId,
        phone: `0${tokens.phone}`,
        email: tokens.email,
        addresses: [
          {
            type: 'postal',
            street: tokens.street,
            postalCode: tokens.postalCode,
            city: tokens.city,
            country: 'FI',
          },
        ],
        notes: tokens.notes,
        description: tokens.description,
        externalIds: [{ system: 'dms', id: tokens.externalId }],
        groupIds: [group.id],
        sourceId: source.id,
        regularOfUserId: t.worker.userId,
        discountPercent: 12.5,
        nameDay: { month: 5, day: 17 },
        birthday: tokens.birthday,
        documents: [
          { type: 'id_card', series: tokens.documentSeries, number: tokens.documentNumber },
        ],
        internal: true,
        leasingCompany: true,
        leasingCompanyId: tokens.leasingCompanyId,
        stationIds: [t.stationA],
      })
    ).customer;
    const later = (
      await h.customers.create(t.admin, { firstName: 'Myohempi', lastName: 'Asiakas' })
    ).customer;
    const duplicates = duplicatesOf(h.app);
    await duplicates.dismiss(t.admin, [earlier.id, before.id]);
    await duplicates.dismiss(t.admin, [before.id, later.id]);

    // Two reminders, one rescheduled: three jobs in Redis, two of one reminder.
    const reminders = remindersOf(h.app);
    const first = await reminders.create(t.admin, {
      customerId: before.id,
      reminder: { dueAt: inMs(3_600_000), comment: tokens.comment },
      assignee: assigneeOf(t.admin),
    });
    await reminders.update(t.admin, { id: first.id, patch: { dueAt: inMs(7_200_000) } });
    const second = await reminders.create(t.admin, {
      customerId: before.id,
      reminder: { dueAt: inMs(3_600_000), comment: `${tokens.comment} again` },
      assignee: assigneeOf(t.admin),
    });
    reminderIds = [first.id, second.id];
    jobIds = (await jobsOfQueue()).filter((id) => reminderIds.some((r) => id.startsWith(r)));
    expect(jobIds).toHaveLength(3);

    await h.dataSource.transaction((manager) =>
      h.app.get(VehicleSearchConsumer).apply(manager, t.tenantId, {
        vehicleId: randomUUID(),
        registration: tokens.registration,
        vin: tokens.vin,
        customers: [{ customerId: before.id, role: 'owner', isDefault: true }],
        version: 1,
      }),
    );
    const consent = envelope('consents.consent.recorded.v1', t.tenantId, {
      customerId: before.id,
      entryId: uuidv7(),
      purpose: 'marketing_email',
      decision: 'granted',
      textId: randomUUID(),
      textVersion: 1,
      source: 'reception',
      recordedAt: new Date().toISOString(),
    });
    publish(consent);
    await handled(consent.eventId);

    // A partner booking resolved to the customer, and one refused (kept as a dead letter with
    // the contact details it carried).
    const contact: PartnerContact = {
      firstName: tokens.firstName,
      lastName: tokens.lastName,
      phone: `+358${tokens.phone}`,
      email: tokens.email,
    };
    const matched = booking(t.tenantId, contact, '2026-12-01T09:00:00Z');
    publish(matched);
    expect(await resolutionOf(matched.eventId)).toMatchObject({
      outcome: 'matched',
      customerId: before.id,
    });
    partnerEventId = matched.eventId;
    // As if it had died once here and been replayed: its dead letter is kept. Its body names
    // nothing to match by (the name only): it is found by the answer the booking got.
    await h.dataSource.query(
      `INSERT INTO customers.dead_letters (id, tenant_id, consumer, reason, event_id, event_type,
         routing_key, last_error, attempts, body, properties, replayed_at, replays)
       VALUES ($1, $2, 'customers', 'handler-failed', $3, $4, $4, 'timeout', 5, $5, '{}', now(), 1)`,
      [
        randomUUID(),
        t.tenantId,
        matched.eventId,
        matched.type,
        Buffer.from(
          JSON.stringify({
            ...matched,
            payload: {
              ...(matched.payload as object),
              customer: { firstName: tokens.firstName, lastName: tokens.lastName },
            },
          }),
        ),
      ],
    );
    const refused = booking(t.tenantId, { ...contact, phone: `0${tokens.phone}` }, 'tomorrow');
    publish(refused);
    await deadLetterOf(h.dataSource, 'customers', refused.eventId);
    deadPartnerEventId = refused.eventId;

    const [sealed] = await h.dataSource.query<
      { birthday_enc: Buffer; birthday_lookup: Buffer; documents_enc: Buffer }[]
    >(
      `SELECT birthday_enc, birthday_lookup, documents_enc FROM customers.customers WHERE id = $1`,
      [before.id],
    );
    const fingerprints = await h.dataSource.query<{ fingerprint: string }[]>(
      `SELECT fingerprint FROM customers.commands WHERE result_id = ANY($1::uuid[])`,
      [[before.id, ...reminderIds]],
    );
    derived = [
      sealed.birthday_enc.toString('hex'),
      sealed.birthday_lookup.toString('hex'),
      sealed.documents_enc.toString('hex'),
      ...fingerprints.map((f) => f.fingerprint),
    ];
    // Every one of them is there before: the scan below can see them.
    expect(fingerprints).toHaveLength(4);
    expect(await occurrences([...Object.values(tokens), ...derived])).not.toEqual([]);

    request = erasureRequest(t.tenantId, before.id);
    await erase(request);
  });

  afterAll(async () => {
    await connection.close();
    await h.close();
  });

  /**
   * Where any of `needles` occurs, case-insensitively, in any text, JSON, array or bytea column
   * of any table of the schema (bytea also as hex): `<table>.<column>: <needle>` for each hit.
   */
  async function occurrences(needles: string[]): Promise<string[]> {
    const columns = await h.dataSource.query<
      { table_name: string; column_name: string; data_type: string }[]
    >(
      `SELECT c.table_name, c.column_name, c.data_type
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'customers' AND t.table_type = 'BASE TABLE'
          AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb',
                              'bytea', 'ARRAY')`,
    );
    const hits: string[] = [];
    for (const { table_name, column_name, data_type } of columns) {
      const value =
        data_type === 'bytea'
          ? `encode("${column_name}", 'escape') || encode("${column_name}", 'hex')`
          : `"${column_name}"::text`;
      const rows = await h.dataSource.query<{ needle: string }[]>(
        `SELECT DISTINCT n.needle FROM customers."${table_name}" x,
                unnest($1::text[]) AS n(needle)
          WHERE strpos(lower(${value}), lower(n.needle)) > 0`,
        [needles],
      );
      hits.push(...rows.map((r) => `${table_name}.${column_name}: ${r.needle}`));
    }
    return hits;
  }

  it('leaves no value of the person, nor a sealed value, lookup hash or request fingerprint of one, in any table of the schema', async () => {
    expect(await occurrences([...Object.values(tokens), ...derived])).toEqual([]);
  });

  it('keeps the shell: id, number, kind, origin, stations and dates; every other column empty', async () => {
    const [row] = await h.dataSource.query<Record<string, unknown>[]>(
      'SELECT * FROM customers.customers WHERE id = $1',
      [before.id],
    );
    expect(row).toMatchObject({
      tenant_id: t.tenantId,
      kind: 'company',
      origin: 'reception',
      customer_number: before.customerNumber,
      station_ids: [t.stationA],
      status: 'erased',
      version: before.version + 1,
      created_at: new Date(before.createdAt),
      // Generated from the cleared columns: the number only, no name, no postal codes.
      search_text: expect.not.stringContaining('cnry') as unknown,
      name_fold: '',
      postal_codes: [],
    });
    expect(row.erased_at).toBeInstanceOf(Date);
    const kept = [
      ...['tenant_id', 'id', 'kind', 'origin', 'customer_number', 'station_ids', 'status'],
      ...['version', 'created_at', 'updated_at', 'erased_at', 'search_text', 'name_fold'],
    ];
    const isEmpty = (value: unknown): boolean =>
      value === null || value === false || value === 0 || (Array.isArray(value) && !value.length);
    const left = Object.entries(row).filter(([column, v]) => !kept.includes(column) && !isEmpty(v));
    expect(left).toEqual([]);
  });

  it('deletes its reminders, external ids, consent flags, vehicle links and duplicate pairs', async () => {
    const count = async (sql: string) =>
      (await h.dataSource.query<{ n: number }[]>(sql, [t.tenantId, before.id]))[0].n;
    expect({
      reminders: await count(
        'SELECT count(*)::int AS n FROM customers.reminders WHERE tenant_id = $1 AND customer_id = $2',
      ),
      externalIds: await count(
        'SELECT count(*)::int AS n FROM customers.customer_external_ids WHERE tenant_id = $1 AND customer_id = $2',
      ),
      marketingConsents: await count(
        'SELECT count(*)::int AS n FROM customers.customer_marketing_consents WHERE tenant_id = $1 AND customer_id = $2',
      ),
      vehicleLinks: await count(
        'SELECT count(*)::int AS n FROM customers.customer_vehicles WHERE tenant_id = $1 AND customer_id = $2',
      ),
      duplicatePairs: await count(
        `SELECT count(*)::int AS n FROM customers.duplicate_pairs
          WHERE tenant_id = $1 AND $2 IN (customer_a, customer_b)`,
      ),
      deadLetters: await count(
        `SELECT count(*)::int AS n FROM customers.dead_letters WHERE tenant_id = $1
            AND (event_id = $2 OR event_id = ANY('{${partnerEventId},${deadPartnerEventId}}'))`,
      ),
    }).toEqual({
      reminders: 0,
      externalIds: 0,
      marketingConsents: 0,
      vehicleLinks: 0,
      duplicatePairs: 0,
      deadLetters: 0,
    });
  });

  it('answers the saga with what it cleared, by kind', async () => {
    const [answer, ...more] = await completions(
      (request.payload as { erasureId: string }).erasureId,
    );
    expect(more).toEqual([]);
    expect(answer).toMatchObject({
      customerId: before.id,
      participant: 'customers',
      counts: {
        customers: 1,
        reminders: 2,
        reminderJobs: 3,
        // The create, the two reminders' creates and the reschedule.
        commands: 4,
        externalIds: 1,
        marketingConsents: 1,
        vehicleLinks: 1,
        duplicatePairs: 2,
        // The refused booking (by its contact details) and the replayed one (by its answer).
        deadLetters: 2,
        outbox: 0,
      },
    });
  });

  it('tells the other services the customer is erased, naming the cleared fields, never a value', async () => {
    const updates = await outboxPayloads('customers.customer.updated.v1', 'customerId', before.id);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toEqual({
      customerId: before.id,
      customerNumber: before.customerNumber,
      status: 'erased',
      stationIds: [t.stationA],
      version: before.version + 1,
      hasEmail: false,
      hasPhone: false,
      changedFields: [
        ...['firstName', 'lastName', 'companyName', 'businessId', 'phone', 'email'],
        ...['addresses', 'notes', 'externalIds', 'description', 'groupIds', 'sourceId'],
        ...['regularOfUserId', 'discountPercent', 'nameDay', 'birthday', 'documents'],
        ...['internal', 'leasingCompany', 'leasingCompanyId', 'status'],
      ],
    });
  });

  it('erases nothing twice: the same request again is skipped, another one finds nothing left', async () => {
    const erasureId = (request.payload as { erasureId: string }).erasureId;
    publish(request);
    // A later request, answered after the redelivery (one queue, in order).
    const again = erasureRequest(t.tenantId, before.id);
    const answer = await erase(again);
    expect(await completions(erasureId)).toHaveLength(1);
    expect(answer).toMatchObject({
      counts: {
        customers: 0,
        reminders: 0,
        reminderJobs: 0,
        commands: 0,
        externalIds: 0,
        marketingConsents: 0,
        vehicleLinks: 0,
        duplicatePairs: 0,
        deadLetters: 0,
      },
    });
    expect(
      await outboxPayloads('customers.customer.updated.v1', 'customerId', before.id),
    ).toHaveLength(1);
    expect((await h.customers.get(t.admin, before.id)).version).toBe(before.version + 1);
  });

  it("removes its reminders' jobs from Redis, a rescheduled reminder's earlier job too", async () => {
    expect(await jobsOfQueue()).toEqual(expect.not.arrayContaining(jobIds));
    for (const id of jobIds) expect(await queue.getJob(id)).toBeUndefined();
  });

  it("shows the shell with the placeholder of the caller's language as its name", async () => {
    const names: Record<Locale, string> = {
      fi: 'Tiedot pyyhitty',
      pl: 'Dane usunięte',
      fr: 'Données effacées',
      uk: 'Дані видалено',
      en: 'Data erased',
    };
    for (const [locale, name] of Object.entries(names) as [Locale, string][]) {
      const company = await h.customers.get(withLocale(t.admin, locale), before.id);
      expect(company).toMatchObject({ companyName: name, lastName: null, firstName: null });
    }
    const person = (
      await h.customers.create(t.admin, { firstName: 'Poistuva', lastName: 'Henkilo' })
    ).customer;
    await erase(erasureRequest(t.tenantId, person.id));
    expect(await h.customers.get(withLocale(t.worker, 'pl'), person.id)).toMatchObject({
      kind: 'person',
      firstName: null,
      lastName: 'Dane usunięte',
      companyName: null,
      status: 'erased',
      erasedAt: expect.any(String) as unknown,
    });
    expect(await h.customers.get(t.admin, before.id)).toMatchObject({
      id: before.id,
      customerNumber: before.customerNumber,
      kind: 'company',
      status: 'erased',
      phone: null,
      phoneRaw: null,
      email: null,
      addresses: [],
      externalIds: [],
      groupIds: [],
      birthday: null,
      documents: [],
      sensitiveMasked: false,
      createdAt: before.createdAt,
    });
  });

  it('refuses every write on it with 409 customer-erased', async () => {
    const erased = { status: 409, type: expect.stringMatching(/\/customer-erased$/) as unknown };
    const shell = await h.customers.get(t.admin, before.id);
    expect(
      await problemOf(h.customers.update(t.admin, before.id, shell.version, { notes: 'uusi' })),
    ).toMatchObject(erased);
    const groups = h.app.get(GroupMembership);
    const group = await labelsOf(h.app).create(t.admin, 'group', 'Uusi ryhma');
    const data = { customerId: before.id, groupId: group.id, member: true };
    expect(
      await problemOf(
        groups.set(
          t.admin,
          before.id,
          group.id,
          true,
          commandFor(CUSTOMERS.setGroupMembership, t.admin, data),
        ),
      ),
    ).toMatchObject(erased);
    expect(
      await problemOf(
        remindersOf(h.app).create(t.admin, {
          customerId: before.id,
          reminder: { dueAt: inMs(3_600_000), comment: 'Soita' },
          assignee: assigneeOf(t.admin),
        }),
      ),
    ).toMatchObject(erased);
    const other = (await h.customers.create(t.admin, { firstName: 'Toinen', lastName: 'Asiakas' }))
      .customer;
    expect(
      await problemOf(duplicatesOf(h.app).dismiss(t.admin, [other.id, before.id])),
    ).toMatchObject(erased);
    expect((await h.customers.get(t.admin, before.id)).version).toBe(shell.version);
  });

  it('never appears in search, passive customers included', async () => {
    const ids = async (query: object) =>
      (await h.customers.search(t.admin, { includePassive: true, ...query })).items.map(
        (c) => c.id,
      );
    expect(await ids({})).not.toContain(before.id);
    expect(await ids({ q: before.customerNumber })).toEqual([]);
    expect(await ids({ q: 'Data erased' })).toEqual([]);
  });

  it('is no duplicate candidate, nor in a listed pair even when a row names it', async () => {
    // Its number is all a new customer could share with it: taken, not a possible duplicate.
    expect(
      await problemOf(
        h.customers.create(t.admin, {
          firstName: 'Uusi',
          lastName: 'Numero',
          customerNumber: before.customerNumber,
        }),
      ),
    ).toMatchObject({
      status: 409,
      type: expect.stringMatching(/\/customer-number-taken$/) as unknown,
    });
    const other = (await h.customers.create(t.admin, { firstName: 'Pari', lastName: 'Toinen' }))
      .customer;
    const [a, b] = [before.id, other.id].sort();
    await h.dataSource.query(
      `INSERT INTO customers.duplicate_pairs (tenant_id, customer_a, customer_b, reasons, score)
       VALUES ($1, $2, $3, '{phone}', 0.6)`,
      [t.tenantId, a, b],
    );
    const page = await duplicatesOf(h.app).list(t.admin, {});
    expect(page.items.flatMap((p) => p.customers.map((c) => c.id))).not.toContain(before.id);
    await h.dataSource.query(
      'DELETE FROM customers.duplicate_pairs WHERE tenant_id = $1 AND customer_a = $2 AND customer_b = $3',
      [t.tenantId, a, b],
    );
  });

  it('answers a partner booking made before the erasure but handled after it with the erased shell', async () => {
    const late = {
      ...booking(
        t.tenantId,
        { firstName: 'Myohastynyt', lastName: 'Varaus', phone: `+358${tokens.phone}` },
        '2026-12-03T09:00:00Z',
      ),
      // Made an hour before the erasure (stuck in a retry queue, or the broker was down).
      occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
    };
    publish(late);
    const answer = await resolutionOf(late.eventId);
    expect(answer).toMatchObject({ outcome: 'matched', customerId: before.id });
    const shell = await h.customers.get(t.admin, before.id);
    expect(shell).toMatchObject({ status: 'erased', phone: null, firstName: null });
    // The tombstones are keyed hashes: no value of the person.
    expect(await occurrences([...Object.values(tokens), ...derived])).toEqual([]);
  });

  it('is never matched by a partner booking with its former details: a new customer is made', async () => {
    const again = booking(
      t.tenantId,
      {
        firstName: 'Palaava',
        lastName: 'Asiakas',
        phone: `+358${tokens.phone}`,
        email: tokens.email,
        externalId: { system: 'dms', id: tokens.externalId },
      },
      '2026-12-02T09:00:00Z',
    );
    publish(again);
    const answer = await resolutionOf(again.eventId);
    expect(answer).toMatchObject({ outcome: 'created' });
    expect(answer.customerId).not.toBe(before.id);
    expect((await h.customers.get(t.admin, before.id)).status).toBe('erased');
  });

  it('takes no plates nor consent flags back from events that still name it', async () => {
    await h.dataSource.transaction((manager) =>
      h.app.get(VehicleSearchConsumer).apply(manager, t.tenantId, {
        vehicleId: randomUUID(),
        registration: 'LATE-1',
        vin: null,
        customers: [{ customerId: before.id, role: 'owner', isDefault: true }],
        version: 1,
      }),
    );
    const consent = envelope('consents.consent.recorded.v1', t.tenantId, {
      customerId: before.id,
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
    const [row] = await h.dataSource.query<{ links: number; consents: number }[]>(
      `SELECT (SELECT count(*)::int FROM customers.customer_vehicles
                WHERE tenant_id = $1 AND customer_id = $2) AS links,
              (SELECT count(*)::int FROM customers.customer_marketing_consents
                WHERE tenant_id = $1 AND customer_id = $2) AS consents`,
      [t.tenantId, before.id],
    );
    expect(row).toEqual({ links: 0, consents: 0 });
  });
});
