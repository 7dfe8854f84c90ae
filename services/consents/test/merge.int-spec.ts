import { randomBytes, randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { DataSource } from 'typeorm';
import {
  CONSENTS,
  CONSENT_PREFERENCES_CHANGED_V1,
  CONSENT_RECORDED_V1,
  CONTACT_RESOLVED_V1,
  CUSTOMER_CREATED_V1,
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  MERGE_COMPLETED_V1,
  MERGE_REQUESTED_V1,
  MERGE_UNDO_REQUESTED_V1,
  MERGE_UNDONE_V1,
  PARTNER_BOOKING_CREATED_V1,
  VISIT_RECORDED_V1,
  type CallerContext,
  type CommunicationPreferencesDto,
  type ConsentDecisionDto,
  type ConsentRecordedV1,
  type ContactResolvedV1,
  type CustomerCreatedV1,
  type ErasureCompletedV1,
  type MergeCompletedV1,
  type MergeUndoneV1,
} from '@kanta/contracts';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import {
  commandFor,
  createTestDatabase,
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

type Purpose =
  | 'marketing_email'
  | 'marketing_sms'
  | 'data_processing'
  | 'commercial_info'
  | 'third_party_sharing';

/*
 * Two customers with decisions and preferences merged through `privacy.merge.requested.v1` as
 * the privacy service sends it, then unmerged through `privacy.merge.undo.requested.v1`.
 */
describe('consents service: customer merge (real Postgres and RabbitMQ)', () => {
  const id = randomBytes(4).toString('hex');
  const exchange = `test.consents-merge.${id}.events`;
  const queuePrefix = `test.consents-merge.${id}.`;
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
    correlationId: 'consents-merge-test',
  };
  const texts = {} as Record<Purpose, string>;

  beforeAll(async () => {
    db = await createTestDatabase('consents-merge');
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
    for (const purpose of [
      'marketing_email',
      'marketing_sms',
      'data_processing',
      'commercial_info',
      'third_party_sharing',
    ] as const) {
      const text = { purpose, locale: 'fi' as const, body: `${purpose} (yhdistäminen).` };
      texts[purpose] = (
        await app
          .get(ConsentTextsService)
          .publish(admin, text, commandFor(CONSENTS.publishText, admin, { text }))
      ).text.id;
    }
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
        : type.startsWith('vehicles.')
          ? 'vehicles'
          : 'customers';
    const envelope = {
      eventId,
      type,
      occurredAt: new Date().toISOString(),
      tenantId,
      producer,
      correlationId: 'consents-merge-test',
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

  const newCustomer = async (): Promise<string> => {
    const customerId = randomUUID();
    await publish(CUSTOMER_CREATED_V1, created(customerId));
    await eventuallyPasses(async () => expect(await statusOf(customerId)).toBe('active'));
    return customerId;
  };

  const decision = (
    purpose: Purpose,
    given: 'granted' | 'withdrawn',
    note?: string,
  ): ConsentDecisionDto => ({
    purpose,
    decision: given,
    textId: texts[purpose],
    ...(note ? { evidence: { note } } : {}),
  });

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

  const current = async (customerId: string) =>
    Object.fromEntries(
      (await app.get(ConsentLedger).view(admin, customerId)).current.map((e) => [
        e.purpose,
        [e.decision, e.source],
      ]),
    );

  /** Every row of the ledger, every column, as stored. */
  const ledgerRows = () =>
    dataSource.query<Record<string, unknown>[]>(
      'SELECT to_jsonb(l) AS row FROM consents.ledger l WHERE tenant_id = $1 ORDER BY id',
      [tenantId],
    );

  const requestMerge = (
    merge: { mergeId: string; survivorId: string; duplicateId: string },
    eventId?: string,
  ) => publish(MERGE_REQUESTED_V1, { ...merge, requestedAt: new Date().toISOString() }, eventId);

  const requestUndo = (merge: { mergeId: string; survivorId: string; duplicateId: string }) =>
    publish(MERGE_UNDO_REQUESTED_V1, { ...merge, requestedAt: new Date().toISOString() });

  const answers = <T>(type: string, mergeId: string) =>
    dataSource.query<{ payload: T }[]>(
      `SELECT envelope -> 'payload' AS payload FROM consents.outbox
        WHERE type = $1 AND envelope -> 'payload' ->> 'mergeId' = $2 ORDER BY id`,
      [type, mergeId],
    );

  const answerTo = <T>(type: string, mergeId: string): Promise<T> =>
    eventually(async () => (await answers<T>(type, mergeId))[0]?.payload);

  const recordedEvents = (customerId: string) =>
    dataSource.query<{ payload: ConsentRecordedV1 }[]>(
      `SELECT envelope -> 'payload' AS payload FROM consents.outbox
        WHERE type = $1 AND envelope -> 'payload' ->> 'customerId' = $2 ORDER BY id`,
      [CONSENT_RECORDED_V1, customerId],
    );

  describe('two customers merged, then unmerged', () => {
    let survivorId: string;
    let duplicateId: string;
    let merge: { mergeId: string; survivorId: string; duplicateId: string };
    let mergeEventId: string;
    let survivorEmailEntry: string;
    let duplicateEmailEntry: string;
    let before: Record<string, unknown>[];

    beforeAll(async () => {
      survivorId = await newCustomer();
      duplicateId = await newCustomer();
      // Given in this order, so "later" is what the ids say.
      survivorEmailEntry = (await record(survivorId, [decision('marketing_email', 'granted')]))
        .current[0].id;
      await record(duplicateId, [
        decision('marketing_sms', 'granted', 'duplicate sms form'),
        decision('data_processing', 'granted', 'duplicate processing form'),
        decision('commercial_info', 'granted'),
      ]);
      duplicateEmailEntry = (
        await record(duplicateId, [decision('marketing_email', 'withdrawn', 'duplicate email')])
      ).current.find((e) => e.purpose === 'marketing_email')?.id as string;
      await record(survivorId, [decision('marketing_sms', 'withdrawn')]);
      await setPreferences(survivorId, { serviceNotifications: true });
      await setPreferences(duplicateId, { blocked: true, preferredChannel: 'email' });

      before = await ledgerRows();
      merge = { mergeId: randomUUID(), survivorId, duplicateId };
      mergeEventId = await requestMerge(merge);
      await answerTo(MERGE_COMPLETED_V1, merge.mergeId);
    });

    it('answers the privacy service with what it decided, in counts', async () => {
      expect(await answerTo<MergeCompletedV1>(MERGE_COMPLETED_V1, merge.mergeId)).toEqual({
        ...merge,
        participant: 'consents',
        // e-mail (the duplicate's is later), processing and commercial info (the survivor had
        // none); SMS stays the survivor's (its own is later). The preferences became stricter.
        counts: { ledgerEntries: 3, preferences: 1 },
        completedAt: expect.any(String),
      });
    });

    it("gives the survivor the latest of the two customers' decisions per purpose", async () => {
      expect(await current(survivorId)).toEqual({
        marketing_email: ['withdrawn', 'merge'],
        marketing_sms: ['withdrawn', 'reception'],
        data_processing: ['granted', 'merge'],
        commercial_info: ['granted', 'merge'],
      });
      const view = await app.get(ConsentLedger).view(admin, survivorId);
      const email = view.current.find((e) => e.purpose === 'marketing_email');
      // The merge entry names the duplicate's entry, whose evidence stays there.
      expect(email).toMatchObject({
        customerId: survivorId,
        mergeId: merge.mergeId,
        mergedEntryId: duplicateEmailEntry,
        evidence: null,
        recordedBy: { userId: null, partner: null },
        textId: texts.marketing_email,
      });
    });

    it('makes the stricter preferences win: blocked if either was', async () => {
      expect(await app.get(CommunicationPreferences).get(admin, survivorId)).toMatchObject({
        customerId: survivorId,
        blocked: true,
        preferredChannel: 'email',
        serviceNotifications: true,
      });
      expect(
        await app.get(Contactability).check(admin, survivorId, 'marketing', 'email'),
      ).toMatchObject({ allowed: false, reasons: ['blocked', 'consent_withdrawn'] });
    });

    it("shows both customers' entries in the survivor's history, with the merge", async () => {
      const { history = [] } = await app.get(ConsentLedger).view(admin, survivorId, true);
      const rows = history.map((e) => [e.customerId, e.purpose, e.decision, e.source]);
      expect(rows).toEqual(
        expect.arrayContaining([
          [survivorId, 'marketing_email', 'granted', 'reception'],
          [duplicateId, 'marketing_email', 'withdrawn', 'reception'],
          [duplicateId, 'marketing_sms', 'granted', 'reception'],
          [survivorId, 'marketing_email', 'withdrawn', 'merge'],
          [survivorId, 'data_processing', 'granted', 'merge'],
        ]),
      );
      // 2 + 4 own entries, 3 of the merge.
      expect(history).toHaveLength(9);
      expect(history.find((e) => e.id === duplicateEmailEntry)?.evidence).toEqual({
        note: 'duplicate email',
      });
    });

    it("answers a read of the duplicate with the survivor's consents and preferences", async () => {
      const view = await app.get(ConsentLedger).view(admin, duplicateId);
      expect(view.customerId).toBe(survivorId);
      expect(view.current.find((e) => e.purpose === 'marketing_email')?.source).toBe('merge');
      expect(await app.get(CommunicationPreferences).get(admin, duplicateId)).toMatchObject({
        customerId: survivorId,
        blocked: true,
      });
    });

    it('tells the customers service the survivor’s new decisions (its marketing flags)', async () => {
      const events = (await recordedEvents(survivorId))
        .map((e) => e.payload)
        .filter((e) => e.source === 'merge');
      expect(events.map((e) => [e.purpose, e.decision, e.mergeId]).sort()).toEqual(
        [
          ['commercial_info', 'granted', merge.mergeId],
          ['data_processing', 'granted', merge.mergeId],
          ['marketing_email', 'withdrawn', merge.mergeId],
        ].sort(),
      );
      const changes = await dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM consents.outbox
          WHERE type = $1 AND envelope -> 'payload' ->> 'customerId' = $2
            AND (envelope -> 'payload' ->> 'blocked')::boolean`,
        [CONSENT_PREFERENCES_CHANGED_V1, survivorId],
      );
      expect(changes).toEqual([{ n: 1 }]);
    });

    it('refuses a write about the duplicate with 409 customer-merged naming the survivor', async () => {
      // Each write starts when its turn comes: all started at once, a refusal could come before
      // its turn to be awaited, and jest would take it for an unhandled rejection.
      for (const write of [
        () => record(duplicateId, [decision('marketing_email', 'granted')]),
        () => setPreferences(duplicateId, { blocked: false }),
        () =>
          app
            .get(ConsentLedger)
            .refresh(
              admin,
              duplicateId,
              {},
              commandFor(CONSENTS.refresh, admin, { customerId: duplicateId, refresh: {} }),
            ),
      ]) {
        expect(await problemOf(write())).toMatchObject({
          status: 409,
          type: expect.stringContaining('customer-merged'),
          survivorId,
        });
      }
    });

    it('records a late partner consent, and a visit’s, naming the duplicate for the survivor', async () => {
      const booking = await publish(PARTNER_BOOKING_CREATED_V1, {
        bookingId: `B-${id}`,
        stationId: station,
        scheduledAt: '2026-12-01T09:00:00Z',
        customer: { firstName: 'Late', lastName: 'Booker', email: 'late@example.invalid' },
        consents: [decision('third_party_sharing', 'granted')],
      });
      const answer: ContactResolvedV1 = {
        partnerEventId: booking,
        partnerEventType: PARTNER_BOOKING_CREATED_V1,
        customerId: duplicateId,
        outcome: 'matched',
        stationIds: [station],
        carriesConsents: true,
      };
      await publish(CONTACT_RESOLVED_V1, answer);
      // One after the other: the visit's decision is the later.
      await drained();
      await publish(VISIT_RECORDED_V1, {
        visitId: randomUUID(),
        stationId: station,
        customerId: duplicateId,
        vehicleId: null,
        kind: 'booking',
        channel: 'walk_in',
        status: 'booked',
        scheduledAt: '2026-12-01T09:00:00Z',
        version: 1,
        consents: {
          source: 'reception',
          recordedBy: admin.userId,
          decisions: [decision('third_party_sharing', 'withdrawn')],
        },
      });
      await drained();
      const landed = await dataSource.query<{ customer_id: string; source: string }[]>(
        `SELECT customer_id, source FROM consents.ledger
          WHERE tenant_id = $1 AND purpose = 'third_party_sharing' ORDER BY id`,
        [tenantId],
      );
      expect(landed).toEqual([
        { customer_id: survivorId, source: 'online_booking' },
        { customer_id: survivorId, source: 'reception' },
      ]);
    });

    it('moves nothing twice: a redelivered request is not run again, the same merge again adds nothing', async () => {
      const rows = (await ledgerRows()).length;
      await requestMerge(merge, mergeEventId);
      await requestMerge(merge);
      await drained();
      const answered = await answers<MergeCompletedV1>(MERGE_COMPLETED_V1, merge.mergeId);
      expect(answered.map((a) => a.payload.counts)).toEqual([
        { ledgerEntries: 3, preferences: 1 },
        { ledgerEntries: 0, preferences: 0 },
      ]);
      expect(await ledgerRows()).toHaveLength(rows);
    });

    describe('undone', () => {
      let beforeUndo: Record<string, unknown>[];

      beforeAll(async () => {
        // Decided again since the merge: that decision stands through the undo.
        await record(survivorId, [decision('commercial_info', 'withdrawn')]);
        beforeUndo = await ledgerRows();
        await requestUndo(merge);
        await answerTo(MERGE_UNDONE_V1, merge.mergeId);
      });

      it('answers with what it moved back', async () => {
        expect(await answerTo<MergeUndoneV1>(MERGE_UNDONE_V1, merge.mergeId)).toEqual({
          ...merge,
          participant: 'consents',
          counts: { ledgerEntries: 2, preferences: 1 },
          undoneAt: expect.any(String),
        });
      });

      it("restores the survivor's own decisions, and keeps one changed since", async () => {
        expect(await current(survivorId)).toEqual({
          // Its own again, through an undo entry naming it.
          marketing_email: ['granted', 'merge_undo'],
          marketing_sms: ['withdrawn', 'reception'],
          // Changed since the merge: kept.
          commercial_info: ['withdrawn', 'reception'],
          // Given after the merge (the late partner event, the visit): the survivor's.
          third_party_sharing: ['withdrawn', 'reception'],
          // data_processing: the survivor had none, and has none again.
        });
        const { history = [] } = await app.get(ConsentLedger).view(admin, survivorId, true);
        expect(
          history
            .filter((e) => e.source === 'merge_undo')
            .map((e) => [e.purpose, e.decision, e.mergedEntryId, e.mergeId])
            .sort(),
        ).toEqual([
          ['data_processing', null, null, merge.mergeId],
          ['marketing_email', 'granted', survivorEmailEntry, merge.mergeId],
        ]);
        expect(
          await app.get(Contactability).check(admin, survivorId, 'marketing', 'email'),
        ).toMatchObject({ allowed: true, reasons: [] });
      });

      it("gives the duplicate its own history and decisions back, the survivor's its own", async () => {
        const dup = await app.get(ConsentLedger).view(admin, duplicateId, true);
        expect(dup.customerId).toBe(duplicateId);
        expect(dup.history?.every((e) => e.customerId === duplicateId)).toBe(true);
        expect(Object.fromEntries(dup.current.map((e) => [e.purpose, e.decision]))).toEqual({
          marketing_email: 'withdrawn',
          marketing_sms: 'granted',
          data_processing: 'granted',
          commercial_info: 'granted',
        });
        const { history = [] } = await app.get(ConsentLedger).view(admin, survivorId, true);
        expect(history.some((e) => e.customerId === duplicateId)).toBe(false);
        expect(await record(duplicateId, [decision('marketing_sms', 'granted')])).toMatchObject({
          customerId: duplicateId,
        });
      });

      it('restores the preferences the merge changed', async () => {
        expect(await app.get(CommunicationPreferences).get(admin, survivorId)).toMatchObject({
          blocked: false,
          preferredChannel: 'none',
          serviceNotifications: true,
        });
      });

      it("tells the customers service the survivor's restored decisions", async () => {
        const undone = (await recordedEvents(survivorId))
          .map((e) => e.payload)
          .filter((e) => e.source === 'merge_undo');
        expect(undone.map((e) => [e.purpose, e.decision]).sort()).toEqual([
          ['data_processing', null],
          ['marketing_email', 'granted'],
        ]);
      });

      it('never changed or deleted a ledger entry: merge and undo only appended', async () => {
        const after = await ledgerRows();
        expect(after.slice(0, before.length)).toEqual(before);
        expect(after.slice(0, beforeUndo.length)).toEqual(beforeUndo);
        expect(after.length).toBe(beforeUndo.length + 2 + 1);
      });

      it('undoes nothing twice', async () => {
        await requestUndo(merge);
        await drained();
        const answered = await answers<MergeUndoneV1>(MERGE_UNDONE_V1, merge.mergeId);
        expect(answered.map((a) => a.payload.counts)).toEqual([
          { ledgerEntries: 2, preferences: 1 },
          { ledgerEntries: 0, preferences: 0 },
        ]);
      });

      it('merges nothing again for a request with the same merge id after its undo, and leaves the duplicate its own', async () => {
        const rows = (await ledgerRows()).length;
        // A replayed dead letter of the first request, or a retry beside it: same merge id.
        await requestMerge(merge);
        await drained();
        const answered = await answers<MergeCompletedV1>(MERGE_COMPLETED_V1, merge.mergeId);
        expect(answered.at(-1)?.payload.counts).toEqual({ ledgerEntries: 0, preferences: 0 });
        expect(await ledgerRows()).toHaveLength(rows);
        expect(await statusOf(duplicateId)).toBe('active');
      });
    });
  });

  it('keeps preferences changed since the merge through its undo', async () => {
    const survivorId = await newCustomer();
    const duplicateId = await newCustomer();
    await setPreferences(duplicateId, { blocked: true });
    const merge = { mergeId: randomUUID(), survivorId, duplicateId };
    await requestMerge(merge);
    await answerTo(MERGE_COMPLETED_V1, merge.mergeId);
    await setPreferences(survivorId, { preferredChannel: 'sms' });
    await requestUndo(merge);
    expect((await answerTo<MergeUndoneV1>(MERGE_UNDONE_V1, merge.mergeId)).counts).toEqual({
      ledgerEntries: 0,
      preferences: 0,
    });
    expect(await app.get(CommunicationPreferences).get(admin, survivorId)).toMatchObject({
      blocked: true,
      preferredChannel: 'sms',
    });
  });

  it('sends what names the first duplicate of a chain (A into B into C) to C', async () => {
    const [a, b, c] = [await newCustomer(), await newCustomer(), await newCustomer()];
    await record(a, [decision('marketing_email', 'granted')]);
    for (const [duplicateId, survivorId] of [
      [a, b],
      [b, c],
    ]) {
      const mergeId = randomUUID();
      await requestMerge({ mergeId, survivorId, duplicateId });
      // Neither had preferences: nothing stricter to take, no change of the survivor's.
      expect((await answerTo<MergeCompletedV1>(MERGE_COMPLETED_V1, mergeId)).counts).toEqual({
        ledgerEntries: 1,
        preferences: 0,
      });
    }
    expect(
      await dataSource.query(
        'SELECT count(*)::int AS n FROM consents.preferences WHERE customer_id = ANY($1::uuid[])',
        [[a, b, c]],
      ),
    ).toEqual([{ n: 0 }]);
    expect(await problemOf(setPreferences(a, { blocked: true }))).toMatchObject({
      status: 409,
      survivorId: c,
    });
    const view = await app.get(ConsentLedger).view(admin, a, true);
    expect(view.customerId).toBe(c);
    expect(view.current.map((e) => [e.purpose, e.decision, e.source])).toEqual([
      ['marketing_email', 'granted', 'merge'],
    ]);
    // A's own entry, B's merge entry and C's.
    expect(view.history?.map((e) => e.customerId).sort()).toEqual([a, b, c].sort());
  });

  it('merges and restores a decision imported under an unknown text: no text, still outdated', async () => {
    const importedWith = async (purpose: Purpose): Promise<string> => {
      const customerId = randomUUID();
      await publish(
        CUSTOMER_CREATED_V1,
        created(customerId, {
          origin: 'import',
          consents: {
            source: 'import',
            recordedBy: admin.userId,
            decisions: [{ purpose, decision: 'granted', textId: null }],
          },
        }),
      );
      await eventuallyPasses(async () =>
        expect(Object.keys(await current(customerId))).toEqual([purpose]),
      );
      return customerId;
    };
    const survivorId = await importedWith('marketing_sms');
    const duplicateId = await importedWith('marketing_email');
    await record(duplicateId, [decision('marketing_sms', 'withdrawn')]);
    const merge = { mergeId: randomUUID(), survivorId, duplicateId };
    await requestMerge(merge);
    expect((await answerTo<MergeCompletedV1>(MERGE_COMPLETED_V1, merge.mergeId)).counts).toEqual({
      ledgerEntries: 2,
      preferences: 0,
    });
    const outdatedOf = async () =>
      Object.fromEntries(
        (await app.get(ConsentLedger).view(admin, survivorId)).current.map((e) => [
          e.purpose,
          [e.decision, e.source, e.textId === null, e.outdated],
        ]),
      );
    expect(await outdatedOf()).toEqual({
      marketing_email: ['granted', 'merge', true, true],
      marketing_sms: ['withdrawn', 'merge', false, false],
    });
    expect(
      await app.get(Contactability).check(admin, survivorId, 'marketing', 'email'),
    ).toMatchObject({ allowed: false, reasons: ['text_outdated'] });

    await requestUndo(merge);
    await answerTo(MERGE_UNDONE_V1, merge.mergeId);
    // The survivor's own decision back: granted under an unknown text, outdated.
    expect(await outdatedOf()).toEqual({ marketing_sms: ['granted', 'merge_undo', true, true] });
  });

  it('compares when decisions were given, not when they were merged (a chain)', async () => {
    const [a, b, c] = [await newCustomer(), await newCustomer(), await newCustomer()];
    await record(a, [decision('marketing_sms', 'granted')]);
    // Given after A's, before A is merged into B.
    await record(c, [decision('marketing_sms', 'withdrawn')]);
    const first = { mergeId: randomUUID(), survivorId: b, duplicateId: a };
    await requestMerge(first);
    await answerTo(MERGE_COMPLETED_V1, first.mergeId);
    const second = { mergeId: randomUUID(), survivorId: c, duplicateId: b };
    await requestMerge(second);
    // B's merge entry is newer than C's decision, but carries A's, which is older.
    expect((await answerTo<MergeCompletedV1>(MERGE_COMPLETED_V1, second.mergeId)).counts).toEqual({
      ledgerEntries: 0,
      preferences: 0,
    });
    expect(await current(c)).toEqual({ marketing_sms: ['withdrawn', 'reception'] });
  });

  it('erases, with the survivor, the evidence of the merged-in customer and what the merge remembered', async () => {
    const survivorId = await newCustomer();
    const duplicateId = await newCustomer();
    await record(duplicateId, [decision('marketing_email', 'granted', 'evidence to erase')]);
    await setPreferences(survivorId, { preferredChannel: 'phone' });
    await setPreferences(duplicateId, { blocked: true });
    const mergeId = randomUUID();
    await requestMerge({ mergeId, survivorId, duplicateId });
    await answerTo(MERGE_COMPLETED_V1, mergeId);
    const remembered = () =>
      dataSource.query<{ preferences_before: unknown }[]>(
        'SELECT preferences_before FROM consents.customer_merges WHERE merge_id = $1',
        [mergeId],
      );
    expect((await remembered())[0].preferences_before).not.toBeNull();

    const erasureId = randomUUID();
    await publish(ERASURE_REQUESTED_V1, {
      erasureId,
      customerId: survivorId,
      requestedAt: new Date().toISOString(),
      mergedCustomerIds: [duplicateId],
    });
    const answer = await eventually(
      async () =>
        (
          await dataSource.query<{ payload: ErasureCompletedV1 }[]>(
            `SELECT envelope -> 'payload' AS payload FROM consents.outbox
              WHERE type = $1 AND envelope -> 'payload' ->> 'erasureId' = $2`,
            [ERASURE_COMPLETED_V1, erasureId],
          )
        )[0]?.payload,
    );
    expect(answer.counts).toMatchObject({ ledgerEntries: 1, preferences: 2, mergePreferences: 1 });
    expect(await remembered()).toEqual([{ preferences_before: null }]);
    const evidence = await dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM consents.ledger
        WHERE customer_id = ANY($1::uuid[]) AND evidence IS NOT NULL`,
      [[survivorId, duplicateId]],
    );
    expect(evidence).toEqual([{ n: 0 }]);
  });
});
