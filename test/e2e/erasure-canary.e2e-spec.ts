import { randomInt, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import Redis from 'ioredis';
import type {
  ConsentTextView,
  CreatedPartnerKeyView,
  CustomerView,
  DataExportView,
  DeadLetterPage,
  ErasureView,
  MergeView,
  RejectedPartnerEventPage,
  ReportView,
  VisitPage,
  VisitView,
} from '@kanta/contracts';
import { LOCAL_SERVICES } from '@kanta/local';
import { systemBrokerNames } from '@kanta/messaging';
import {
  eventually,
  scanDatabase,
  scanLines,
  scanQueues,
  scanRedis,
  type TraceHit,
} from '@kanta/testing';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

jest.setTimeout(240_000);

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Letters only, so every field takes it (names refuse digits) and no id or number holds it. */
const letters = (n: number): string =>
  Array.from({ length: n }, () => String.fromCharCode(97 + randomInt(26))).join('');

/*
 * The proof of erasure (issue #14): a customer whose every personal field holds a canary token
 * goes through every path the system has — the card, a reminder, a visit and a sale with notes,
 * consents with their evidence, a partner booking with contact details and special requests, a
 * dealer system's booking the consents service refuses (a rejected partner event, and a dead
 * letter holding the whole message), a duplicate card of the person with its own history merged
 * into it, a search — and is then erased. When the receipt is complete, nothing of the person is left:
 * every text, JSON, array and bytea column of every table of every schema, every Redis key and
 * value under the run's prefix, every message in the run's queues and every line the services
 * logged are scanned for the tokens (the catalogue is read, so a new table cannot escape).
 *
 * Every token starts with one prefix of this run, so one needle finds them all; the phone
 * number is the other needle (its national digits, which every normalised form keeps).
 */
describe('erasure leaves no trace of the person (canary, whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  const prefix = `Qz${letters(6)}`;
  const token = (field: string): string => `${prefix}${field}`;
  const nationalDigits = `40${randomInt(1_000_000, 9_999_999)}`;
  const phone = `+358${nationalDigits}`;
  const email = `${token('mail').toLowerCase()}@example.test`;
  const needles = [prefix, nationalDigits];

  beforeAll(async () => {
    e2e = await startE2eSystem('canary');
    fi = await createTenant(e2e, 'cnry-fi');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const run = (): string => e2e.eventsExchange.replace(/^kanta\.e2e\.|\.events$/g, '');
  /** A queue of the run's, holding a message with the token: the queue scan's control. */
  const controlQueue = (): string => `e2e.${run()}.canary-control`;

  /** Every place the system writes, scanned for the needles; `extraQueues` as controls. */
  const traces = async (extraQueues: string[] = []): Promise<TraceHit[]> => {
    // The run's events queues (the RPC queues hold requests only while they are answered).
    const { queues: runQueues } = systemBrokerNames({
      services: LOCAL_SERVICES.map((s) => s.name),
      eventsExchange: e2e.eventsExchange,
      eventsQueuePrefix: `e2e.${run()}.`,
      rpcQueues: [],
    });
    const queues = [...extraQueues, ...runQueues];
    return [
      ...(await scanDatabase(e2e.database.settings, needles)),
      ...(await scanRedis(REDIS_URL, `e2e:${run()}:`, needles)),
      ...(await scanQueues(AMQP_URL, queues, needles)),
      ...scanLines(e2e.logs, needles),
    ];
  };

  /** A dealer system's booking published straight to the broker, made at `occurredAt`. */
  const publishBooking = async (occurredAt: Date, payload: object): Promise<string> => {
    const eventId = randomUUID();
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    channel.publish(
      e2e.eventsExchange,
      'partner.booking.created.v1',
      Buffer.from(
        JSON.stringify({
          eventId,
          type: 'partner.booking.created.v1',
          occurredAt: occurredAt.toISOString(),
          tenantId: fi.tenantId,
          producer: 'partner:dms',
          correlationId: null,
          payload: {
            bookingId: `B-${letters(8)}`,
            stationId: fi.stationIds[0],
            scheduledAt: '2026-12-14T09:00:00Z',
            channel: 'dms',
            ...payload,
          },
        }),
      ),
      { persistent: true, messageId: eventId },
    );
    await channel.waitForConfirms();
    await connection.close();
    return eventId;
  };

  it('finds the person everywhere before, and nowhere once the erasure receipt is complete', async () => {
    const [north] = fi.stationIds;
    const customer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: token('Etu'),
      lastName: token('Suku'),
      companyName: null,
      phone,
      email,
      addresses: [
        {
          type: 'home',
          street: `${token('Katu')} 1`,
          postalCode: '00100',
          city: token('Kaupunki'),
        },
      ],
      notes: token('Notes'),
      description: token('Description'),
      externalIds: [{ system: 'crm', id: token('Crm') }],
      birthday: '1911-11-11',
      documents: [{ type: 'passport', series: token('Series').slice(0, 10), number: token('Num') }],
      stationIds: [north],
    });
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${customer.id}/reminders`, {
      dueAt: '2027-01-15T09:00:00Z',
      comment: token('Reminder'),
    });
    const visit = await fi.admin.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: customer.id,
      stationId: north,
      kind: 'inspection',
      scheduledAt: '2026-12-10T09:00:00Z',
      channel: 'phone',
      notes: token('VisitNotes'),
      specialRequests: token('VisitWish'),
    });
    await fi.admin.expect(201, 'POST', '/api/v1/sales', {
      customerId: customer.id,
      stationId: north,
      visitId: visit.id,
      receiptNumber: `R-${letters(8)}`,
      soldAt: '2026-12-10T10:00:00Z',
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
    });
    const text = await fi.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
      purpose: 'marketing_email',
      locale: 'fi',
      body: 'Tarjouksia sähköpostilla.',
    });
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${customer.id}/consents`, {
      decisions: [
        {
          purpose: 'marketing_email',
          decision: 'granted',
          textId: text.id,
          evidence: { signatureRef: token('Signature'), note: token('Evidence') },
        },
      ],
    });
    // A partner's booking for the same person (matched by phone and e-mail) with its own
    // contact snapshot and wishes.
    const key = await fi.admin.expect<CreatedPartnerKeyView>(201, 'POST', '/api/v1/partner-keys', {
      partner: 'booking-portal',
      label: 'Online booking',
    });
    await e2e.api.expect(
      202,
      'POST',
      '/api/v1/partner/events',
      {
        type: 'partner.booking.created.v1',
        payload: {
          bookingId: `B-${letters(8)}`,
          stationId: north,
          scheduledAt: '2026-12-12T09:00:00Z',
          channel: 'online_booking',
          customer: {
            firstName: token('PartnerEtu'),
            lastName: token('PartnerSuku'),
            phone,
            email,
          },
          vehicle: { registration: 'CNR-123', make: 'Make', year: 2020 },
          notes: token('PartnerNotes'),
          specialRequests: token('PartnerWish'),
        },
      },
      { 'x-api-key': key.key },
    );
    // A dealer system's booking straight on the broker, with a consent decision naming no text
    // of the tenant: the customers and vehicles services take it, the consents service refuses
    // it (a dead letter holding the whole message, and a rejected partner event).
    const refusedId = await publishBooking(new Date(), {
      customer: { firstName: token('DmsEtu'), lastName: token('DmsSuku'), phone, email },
      notes: token('DmsNotes'),
      consents: [{ purpose: 'marketing_sms', decision: 'granted', textId: randomUUID() }],
    });
    await eventually(async () => {
      const visits = await fi.admin.expect<VisitPage>(
        200,
        'GET',
        `/api/v1/customers/${customer.id}/visits`,
      );
      return visits.items.length === 3 ? visits : undefined;
    }, 30_000);
    await eventually(async () => {
      const refused = await fi.admin.expect<RejectedPartnerEventPage>(
        200,
        'GET',
        '/api/v1/partner/rejected-events',
      );
      return refused.items.some((r) => r.eventId === refusedId) ? true : undefined;
    }, 30_000);
    await eventually(async () => {
      const dead = await fi.admin.expect<DeadLetterPage>(200, 'GET', '/api/v1/dead-letters');
      return dead.items.some((d) => d.eventId === refusedId) ? true : undefined;
    }, 30_000);
    // A duplicate card of the same person (an online booking's), with its own history, merged
    // into the customer: the erasure of the survivor takes what the services keep of it too
    // (its merged card kept for an undo, its consent history, the merge's records).
    const duplicate = await fi.admin.expect<CustomerView>(
      201,
      'POST',
      '/api/v1/customers?allowDuplicate=true',
      {
        firstName: token('DupEtu'),
        lastName: token('DupSuku'),
        phone,
        email: `${token('dupmail').toLowerCase()}@example.test`,
        notes: token('DupNotes'),
        birthday: '1912-12-12',
        externalIds: [{ system: 'booking', id: token('DupExt') }],
        stationIds: [north],
      },
    );
    await fi.admin.expect(201, 'POST', '/api/v1/visits', {
      customerId: duplicate.id,
      stationId: north,
      kind: 'inspection',
      scheduledAt: '2026-12-16T09:00:00Z',
      channel: 'online_booking',
      notes: token('DupVisit'),
    });
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${duplicate.id}/reminders`, {
      dueAt: '2027-02-15T09:00:00Z',
      comment: token('DupReminder'),
    });
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${duplicate.id}/consents`, {
      decisions: [
        {
          purpose: 'marketing_email',
          decision: 'withdrawn',
          textId: text.id,
          evidence: { signatureRef: token('DupSignature'), note: token('DupEvidence') },
        },
      ],
    });
    const merge = await fi.admin.expect<MergeView>(
      202,
      'POST',
      `/api/v1/customers/${customer.id}/merge`,
      { duplicateId: duplicate.id },
    );
    await eventually(async () => {
      const m = await fi.admin.expect<MergeView>(200, 'GET', `/api/v1/privacy/merges/${merge.id}`);
      return m.status === 'completed' ? m : undefined;
    }, 30_000);
    // Reception looks the person up by name: a search the logs must not keep.
    await fi.admin.expect(200, 'GET', `/api/v1/customers?q=${encodeURIComponent(token('Suku'))}`);

    // The scan sees the person before: it can find what it looks for.
    // The scan finds what it looks for: the person's rows, and a control of its own in Redis
    // and in a queue, for the two places that hold nothing of the person before the erasure.
    const redis = new Redis(REDIS_URL);
    const control = await amqp.connect(AMQP_URL);
    const controlChannel = await control.createChannel();
    try {
      await redis.set(`e2e:${run()}:canary-control`, token('Control'));
      await controlChannel.assertQueue(controlQueue(), { durable: false });
      controlChannel.sendToQueue(controlQueue(), Buffer.from(token('Control')));
      const before = await traces([controlQueue()]);
      const places = new Set(before.map((hit) => hit.where.split(/[ .]/)[0]));
      expect([...places].sort()).toEqual(
        ['"consents"', '"customers"', '"reporting"', '"vehicles"', 'queue', 'redis'].sort(),
      );
    } finally {
      await redis.del(`e2e:${run()}:canary-control`);
      await controlChannel.deleteQueue(controlQueue());
      await control.close();
      redis.disconnect();
    }

    // A data hand-over made before the erasure: its ZIP holds everything of the person, but
    // compressed, so the scan could not see the tokens inside it; it is checked by itself below.
    const handover = await fi.admin.expect<DataExportView>(
      202,
      'POST',
      `/api/v1/customers/${customer.id}/data-export`,
    );
    await eventually(async () => {
      const e = await fi.admin.expect<DataExportView>(
        200,
        'GET',
        `/api/v1/privacy/exports/${handover.id}`,
      );
      return e.status === 'ready' ? e : undefined;
    }, 60_000);

    // A registry report made before the erasure: its CSV names the person (once the card reached
    // the reporting service's read model); the erasure deletes the file.
    const report = await eventually(async () => {
      const asked = await fi.admin.expect<ReportView>(202, 'POST', '/api/v1/reports', {
        type: 'registry',
        format: 'csv',
      });
      const written = await eventually(async () => {
        const r = await fi.admin.expect<ReportView>(200, 'GET', `/api/v1/reports/${asked.id}`);
        return r.status === 'done' ? r : undefined;
      }, 60_000);
      const file = join(e2e.reportsDir, fi.tenantId, `${written.id}.csv`);
      return (await readFile(file, 'utf8')).includes(prefix) ? { ...written, file } : undefined;
    }, 60_000);

    const erasure = await fi.admin.expect<ErasureView>(
      202,
      'POST',
      `/api/v1/customers/${customer.id}/erase`,
      { reason: 'customer_request', confirmCustomerNumber: customer.customerNumber },
    );
    const receipt = await eventually(async () => {
      const r = await fi.admin.expect<ErasureView>(
        200,
        'GET',
        `/api/v1/privacy/erasures/${erasure.id}`,
      );
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
    expect(receipt.confirmations.map((c) => c.service).sort()).toEqual([
      'consents',
      'customers',
      'gateway',
      'reporting',
      'vehicles',
    ]);
    expect(JSON.stringify(receipt)).not.toContain(prefix);

    expect(await traces()).toEqual([]);
    // The registry report naming the person went with the erasure: its file is gone.
    expect(existsSync(report.file)).toBe(false);
    expect((await fi.admin.request('GET', `/api/v1/reports/${report.id}/file`)).status).toBe(410);
    // The hand-over went with the erasure, file and all.
    expect((await fi.admin.request('GET', `/api/v1/privacy/exports/${handover.id}`)).status).toBe(
      404,
    );
    expect(
      await e2e.database.query('SELECT id FROM privacy.data_exports WHERE customer_id = $1', [
        customer.id,
      ]),
    ).toEqual([]);

    // The shell stays, without the person: the tenant's placeholder, the number kept.
    const shell = await fi.admin.expect<CustomerView>(
      200,
      'GET',
      `/api/v1/customers/${customer.id}`,
    );
    expect(shell).toMatchObject({ status: 'erased', customerNumber: customer.customerNumber });
    expect(JSON.stringify(shell)).toContain('Tiedot pyyhitty');
    // Business history stays, without personal data.
    const visits = await fi.admin.expect<VisitPage>(
      200,
      'GET',
      `/api/v1/customers/${customer.id}/visits`,
    );
    expect(visits.items).toHaveLength(4);

    // A booking the person made before the erasure, handled after it (a retry queue, a broker
    // that was down): it is the erased shell's, without its values, never the person again.
    await publishBooking(new Date(Date.parse(receipt.requestedAt) - 60_000), {
      customer: { firstName: token('LateEtu'), lastName: token('LateSuku'), phone, email },
      notes: token('LateNotes'),
      specialRequests: token('LateWish'),
    });
    await eventually(async () => {
      const after = await fi.admin.expect<VisitPage>(
        200,
        'GET',
        `/api/v1/customers/${customer.id}/visits`,
      );
      return after.items.length === 5 ? after : undefined;
    }, 30_000);
    const found = await fi.admin.expect<{ items: CustomerView[] }>(
      200,
      'GET',
      `/api/v1/customers?q=${encodeURIComponent(token('LateSuku'))}`,
    );
    expect(found.items).toEqual([]);
    expect(await traces()).toEqual([]);
  });
});
