import { randomBytes, randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  CONSENTS,
  CONTACT_RESOLVED_V1,
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  PARTNER_BOOKING_CREATED_V1,
  VISIT_RECORDED_V1,
  type CallerContext,
  type CommunicationPreferencesDto,
  type ConsentDecisionDto,
  type ContactResolvedV1,
  type CustomerCreatedV1,
  type ErasureCompletedV1,
  type PartnerBookingCreatedV1,
} from '@kanta/contracts';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import {
  commandFor,
  createTestDatabase,
  deadLetterOf,
  eventually,
  eventuallyPasses,
  problemOf,
  type TestDatabase,
} from '@kanta/testing';
import { AppModule } from '../src/app.module';
import { Contactability } from '../src/contactability/contactability.service';
import { ConsentLedger } from '../src/ledger/consent-ledger.service';
import { CommunicationPreferences } from '../src/preferences/communication-preferences.service';
import { ConsentTextsService } from '../src/texts/consent-texts.service';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/*
 * A customer whose every value this service can hold carries a fake token of this run (proof
 * fields of ledger entries, a partner booking's contact details and evidence waiting or
 * dead-lettered), erased through `privacy.erasure.requested.v1` as the privacy service sends it.
 */
describe('consents service: erasure (real Postgres and RabbitMQ)', () => {
  const id = randomBytes(4).toString('hex');
  const exchange = `test.consents-erasure.${id}.events`;
  const queuePrefix = `test.consents-erasure.${id}.`;
  /** Every personal value of the erased customer contains it; nothing else does. */
  const canary = `canary${id}`;
  const token = (what: string): string => `${canary}${what}`;
  let db: TestDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let broker: ChannelModel;
  let channel: ConfirmChannel;

  const tenantId = randomUUID();
  const station = randomUUID();
  const admin: CallerContext = {
    tenant: { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [station],
    currentStationId: station,
    correlationId: 'consents-erasure-test',
  };

  beforeAll(async () => {
    db = await createTestDatabase('consents-erasure');
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          postgres: db.runtime('consents'),
          amqpUrl: AMQP_URL,
          dbPoolSize: 4,
          relay: false,
          customerWaitMs: 0,
          messaging: { eventsExchange: exchange, queuePrefix },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    dataSource = app.get(DataSource);
    broker = await connect(AMQP_URL);
    channel = await broker.createConfirmChannel();
  });

  afterAll(async () => {
    await app?.close();
    await broker?.close();
    await deleteBrokerObjects(
      AMQP_URL,
      systemBrokerNames({
        services: ['consents'],
        eventsExchange: exchange,
        eventsQueuePrefix: queuePrefix,
        rpcQueues: [],
      }),
    );
    await db?.drop();
  });

  const publish = async (
    type: string,
    payload: unknown,
    eventId: string = randomUUID(),
  ): Promise<string> => {
    const producer = type.startsWith('partner.')
      ? 'partner:booking-portal'
      : type.startsWith('privacy.')
        ? 'privacy'
        : 'customers';
    const envelope = {
      eventId,
      type,
      occurredAt: new Date().toISOString(),
      tenantId,
      producer,
      correlationId: 'consents-erasure-test',
      payload,
    };
    channel.publish(exchange, type, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      contentType: 'application/json',
      messageId: eventId,
    });
    await channel.waitForConfirms();
    return eventId;
  };

  const created = (customerId: string, extra: Partial<CustomerCreatedV1> = {}) => ({
    customerId,
    customerNumber: '1',
    kind: 'person',
    status: 'active',
    origin: 'reception',
    stationIds: [station],
    version: 1,
    hasEmail: true,
    hasPhone: true,
    ...extra,
  });

  const statusOf = async (customerId: string): Promise<string | undefined> =>
    (
      await dataSource.query<{ status: string }[]>(
        'SELECT status FROM consents.known_customers WHERE customer_id = $1',
        [customerId],
      )
    )[0]?.status;

  /** A customer event after the others proves the queue moved past them. */
  const drained = async (): Promise<void> => {
    const marker = randomUUID();
    await publish(CUSTOMER_CREATED_V1, created(marker));
    await eventuallyPasses(async () => expect(await statusOf(marker)).toBe('active'));
  };

  const newCustomer = async (extra: Partial<CustomerCreatedV1> = {}): Promise<string> => {
    const customerId = randomUUID();
    await publish(CUSTOMER_CREATED_V1, created(customerId, extra));
    await eventuallyPasses(async () => expect(await statusOf(customerId)).toBeDefined());
    return customerId;
  };

  const record = (customerId: string, decisions: ConsentDecisionDto[]) => {
    const consents = { decisions };
    return app
      .get(ConsentLedger)
      .record(
        admin,
        customerId,
        consents,
        commandFor(CONSENTS.record, admin, { customerId, consents }),
      );
  };

  const setPreferences = (customerId: string, preferences: CommunicationPreferencesDto) =>
    app
      .get(CommunicationPreferences)
      .set(
        admin,
        customerId,
        preferences,
        undefined,
        commandFor(CONSENTS.setPreferences, admin, { customerId, preferences }),
      );

  const resolved = (partnerEventId: string, customerId: string): ContactResolvedV1 => ({
    partnerEventId,
    partnerEventType: PARTNER_BOOKING_CREATED_V1,
    customerId,
    outcome: 'matched',
    stationIds: [station],
    carriesConsents: true,
  });

  const requestErasure = (customerId: string, erasureId: string = randomUUID(), eventId?: string) =>
    publish(
      ERASURE_REQUESTED_V1,
      { erasureId, customerId, requestedAt: new Date().toISOString() },
      eventId,
    );

  /** The participant's answers to one erasure, in the outbox. */
  const answersTo = (erasureId: string) =>
    dataSource.query<{ payload: ErasureCompletedV1 }[]>(
      `SELECT envelope -> 'payload' AS payload FROM consents.outbox
        WHERE type = $1 AND envelope -> 'payload' ->> 'erasureId' = $2`,
      [ERASURE_COMPLETED_V1, erasureId],
    );

  const answerTo = (erasureId: string): Promise<ErasureCompletedV1> =>
    eventually(async () => (await answersTo(erasureId))[0]?.payload);

  /**
   * Where the canary occurs: every column of every table of the schema, found in
   * information_schema (a table or column added later is scanned too), as text — bytea (a dead
   * letter's body) byte by byte.
   */
  const canaryFindings = async (): Promise<string[]> => {
    const columns = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'consents' AND t.table_type = 'BASE TABLE'`,
    );
    const found: string[] = [];
    for (const { table_name, column_name, data_type } of columns) {
      const column = `"${column_name}"`;
      const match =
        data_type === 'bytea'
          ? `position(convert_to($1, 'UTF8') IN ${column}) > 0`
          : `${column}::text ILIKE '%' || $1 || '%'`;
      const [{ n }] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM consents."${table_name}" WHERE ${match}`,
        [canary],
      );
      if (Number(n) > 0) found.push(`${table_name}.${column_name}: ${n}`);
    }
    return found;
  };

  const ledgerOf = (customerId: string) =>
    dataSource.query<
      {
        id: string;
        purpose: string;
        decision: string;
        text_id: string;
        source: string;
        recorded_by_user: string | null;
        recorded_by_partner: string | null;
        recorded_at: Date;
        evidence: unknown;
      }[]
    >(
      `SELECT id, purpose, decision, text_id, source, recorded_by_user, recorded_by_partner,
              recorded_at, evidence
         FROM consents.ledger WHERE customer_id = $1 ORDER BY id`,
      [customerId],
    );

  describe('a customer with consents, preferences and partner bookings', () => {
    let customerId: string;
    let emailText: string;
    let smsText: string;
    let ledgerBefore: Awaited<ReturnType<typeof ledgerOf>>;
    let erasureId: string;
    let erasureEventId: string;
    /** A booking whose consents wait for its answer, which comes only after the erasure. */
    let lateAnswered: string;

    const booking = (n: number, consents: PartnerBookingCreatedV1['consents']) => ({
      bookingId: `B-${id}-${n}`,
      stationId: station,
      scheduledAt: '2026-12-01T09:00:00Z',
      customer: {
        firstName: token(`first${n}`),
        lastName: token(`last${n}`),
        email: `${token(`mail${n}`)}@example.invalid`,
      },
      consents,
      preferences: { preferredChannel: 'email' as const },
      notes: token(`notes${n}`),
    });

    beforeAll(async () => {
      const publishText = async (purpose: 'marketing_email' | 'marketing_sms', body: string) => {
        const text = { purpose, locale: 'fi' as const, body };
        return (
          await app
            .get(ConsentTextsService)
            .publish(admin, text, commandFor(CONSENTS.publishText, admin, { text }))
        ).text.id;
      };
      emailText = await publishText('marketing_email', 'Sähköposti (poisto).');
      smsText = await publishText('marketing_sms', 'Tekstiviesti (poisto).');

      // Consents given at reception with the customer's creation, and recorded later.
      customerId = await newCustomer({
        consents: {
          source: 'reception',
          recordedBy: admin.userId,
          decisions: [
            {
              purpose: 'marketing_email',
              decision: 'granted',
              textId: emailText,
              evidence: { signatureRef: token('form1'), note: token('note1') },
            },
          ],
        },
      });
      await record(customerId, [
        {
          purpose: 'marketing_sms',
          decision: 'granted',
          textId: smsText,
          evidence: { signatureRef: token('form2'), note: token('note2') },
        },
      ]);
      await setPreferences(customerId, { preferredChannel: 'sms', serviceNotifications: false });

      // A booking refused here (a text the tenant never published), whose answer named the
      // customer: the answer waits for the event, the event is a dead letter.
      const refused = await publish(
        PARTNER_BOOKING_CREATED_V1,
        booking(1, [
          {
            purpose: 'marketing_email',
            decision: 'granted',
            textId: randomUUID(),
            evidence: { note: token('note3') },
          },
        ]),
      );
      await deadLetterOf(dataSource, 'consents', refused);
      await publish(CONTACT_RESOLVED_V1, resolved(refused, customerId));

      // A booking whose consents wait, and whose answer naming the customer was dead-lettered.
      const waiting = await publish(
        PARTNER_BOOKING_CREATED_V1,
        booking(2, [
          {
            purpose: 'marketing_sms',
            decision: 'withdrawn',
            textId: smsText,
            evidence: { note: token('note4') },
          },
        ]),
      );
      const badAnswer = await publish(CONTACT_RESOLVED_V1, {
        ...resolved(waiting, customerId),
        outcome: 'unknown-outcome',
      });
      await deadLetterOf(dataSource, 'consents', badAnswer);

      // A booking whose answer is still on its way when the erasure comes.
      lateAnswered = await publish(
        PARTNER_BOOKING_CREATED_V1,
        booking(3, [
          {
            purpose: 'marketing_email',
            decision: 'granted',
            textId: emailText,
            evidence: { signatureRef: token('form5'), note: token('note5') },
          },
        ]),
      );
      await drained();
      // As if the relay had published them: published rows naming the customer go.
      await db.query('UPDATE consents.outbox SET published_at = now()');

      ledgerBefore = await ledgerOf(customerId);
      expect(ledgerBefore).toHaveLength(2);
      // The scan sees what it is to find.
      expect(await canaryFindings()).toEqual(
        expect.arrayContaining([
          'ledger.evidence: 2',
          'partner_pending.decisions: 2',
          'dead_letters.body: 1',
        ]),
      );

      erasureId = randomUUID();
      erasureEventId = await requestErasure(customerId, erasureId);
      await answerTo(erasureId);
      // What was on its way arrives after the erasure: the booking's answer, and a visit
      // recorded at reception with consents just before it.
      await publish(CONTACT_RESOLVED_V1, resolved(lateAnswered, customerId));
      await publish(VISIT_RECORDED_V1, {
        visitId: randomUUID(),
        stationId: station,
        customerId,
        vehicleId: null,
        kind: 'booking',
        channel: 'walk_in',
        status: 'booked',
        scheduledAt: '2026-12-01T09:00:00Z',
        version: 1,
        consents: {
          source: 'reception',
          recordedBy: admin.userId,
          decisions: [
            {
              purpose: 'marketing_sms',
              decision: 'withdrawn',
              textId: smsText,
              evidence: { note: token('note6') },
            },
          ],
        },
      });
      await drained();
    });

    it('leaves no value of the person in any table of the schema', async () => {
      expect(await canaryFindings()).toEqual([]);
      expect(
        await dataSource.query(
          'SELECT count(*)::int AS n FROM consents.preferences WHERE customer_id = $1',
          [customerId],
        ),
      ).toEqual([{ n: 0 }]);
    });

    it('keeps the proof of every decision, without its evidence', async () => {
      // The same entries (none from the late answer or visit), each as it was but its evidence.
      expect(await ledgerOf(customerId)).toEqual(
        ledgerBefore.map((entry) => ({ ...entry, evidence: null })),
      );
      const view = await app.get(ConsentLedger).view(admin, customerId, true);
      expect(view.history?.map((e) => [e.purpose, e.decision, e.evidence])).toEqual([
        ['marketing_sms', 'granted', null],
        ['marketing_email', 'granted', null],
      ]);
      expect(view.current.map((e) => e.textId).sort()).toEqual([emailText, smsText].sort());
    });

    it('answers the privacy service with counts by kind', async () => {
      const answer = await answerTo(erasureId);
      expect(answer).toEqual({
        erasureId,
        customerId,
        participant: 'consents',
        counts: {
          ledgerEntries: 2,
          preferences: 1,
          partnerPending: 1,
          partnerResolutions: 1,
          // The two commands that recorded consents and set preferences lose their fingerprints.
          commands: 2,
          // The refused booking and the dead-lettered answer.
          deadLetters: 2,
          // Two consents recorded, one preferences change, the refused booking's announcement.
          outbox: 4,
        },
        completedAt: expect.any(String),
      });
    });

    it('erases nothing twice: a redelivered request is not run again, a new one finds nothing', async () => {
      await requestErasure(customerId, erasureId, erasureEventId);
      const again = randomUUID();
      await requestErasure(customerId, again);
      expect((await answerTo(again)).counts).toEqual({
        ledgerEntries: 0,
        preferences: 0,
        partnerPending: 0,
        partnerResolutions: 0,
        commands: 0,
        deadLetters: 0,
        outbox: 0,
      });
      expect(await answersTo(erasureId)).toHaveLength(1);
    });

    it('keeps the ledger closed to the service’s own role, and to anything but clearing evidence', async () => {
      const [entry] = await ledgerOf(customerId);
      for (const sql of [
        `UPDATE consents.ledger SET evidence = '{"note":"x"}' WHERE id = '${entry.id}'`,
        `UPDATE consents.ledger SET decision = 'withdrawn' WHERE id = '${entry.id}'`,
        `DELETE FROM consents.ledger WHERE id = '${entry.id}'`,
      ]) {
        await expect(dataSource.query(sql)).rejects.toThrow(/permission denied/);
        await expect(
          dataSource.transaction(async (manager) => {
            await manager.query(`SET LOCAL consents.erasure = 'on'`);
            await manager.query(sql);
          }),
        ).rejects.toThrow(/permission denied/);
      }
      // The schema's owner, on the erasure path, may clear evidence and change nothing else.
      const owner = new Client(db.owner('consents'));
      await owner.connect();
      try {
        for (const change of [
          `decision = 'withdrawn'`,
          `evidence = '{"note":"x"}'`,
          `evidence = NULL, recorded_by_partner = 'x'`,
        ]) {
          await owner.query('BEGIN');
          await owner.query(`SET LOCAL consents.erasure = 'on'`);
          await expect(
            owner.query(`UPDATE consents.ledger SET ${change} WHERE id = $1`, [entry.id]),
          ).rejects.toThrow(/append-only/);
          await owner.query('ROLLBACK');
        }
        await expect(
          owner.query('UPDATE consents.ledger SET evidence = NULL WHERE id = $1', [entry.id]),
        ).rejects.toThrow(/append-only/);
      } finally {
        await owner.end();
      }
      expect(await ledgerOf(customerId)).toEqual(
        ledgerBefore.map((e) => ({ ...e, evidence: null })),
      );
    });

    it('refuses to record anything more about the customer, who is not contactable', async () => {
      expect(await statusOf(customerId)).toBe('erased');
      for (const write of [
        record(customerId, [
          { purpose: 'marketing_email', decision: 'withdrawn', textId: emailText },
        ]),
        app
          .get(ConsentLedger)
          .refresh(
            admin,
            customerId,
            {},
            commandFor(CONSENTS.refresh, admin, { customerId, refresh: {} }),
          ),
        setPreferences(customerId, { blocked: true }),
      ]) {
        expect(await problemOf(write)).toMatchObject({
          status: 409,
          type: expect.stringContaining('customer-erased'),
        });
      }
      expect(
        await app.get(Contactability).check(admin, customerId, 'marketing', 'email'),
      ).toMatchObject({ allowed: false, reasons: ['erased'], preferredChannel: 'none' });
      expect(await ledgerOf(customerId)).toHaveLength(2);
    });
  });

  it('learns that a customer is erased from the customers service, and refuses changes then', async () => {
    const customerId = await newCustomer();
    await publish(CUSTOMER_UPDATED_V1, {
      customerId,
      customerNumber: '1',
      status: 'erased',
      stationIds: [station],
      version: 2,
      changedFields: ['firstName', 'email'],
      hasEmail: false,
      hasPhone: false,
    });
    await eventuallyPasses(async () => expect(await statusOf(customerId)).toBe('erased'));
    expect(await problemOf(setPreferences(customerId, { blocked: true }))).toMatchObject({
      status: 409,
      type: expect.stringContaining('customer-erased'),
    });
    expect(await app.get(Contactability).check(admin, customerId, 'service', 'sms')).toMatchObject({
      allowed: false,
      reasons: ['erased'],
      consentPurpose: null,
    });
  });
});
