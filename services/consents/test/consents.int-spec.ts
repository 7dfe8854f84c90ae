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
  PARTNER_BOOKING_CREATED_V1,
  PARTNER_CUSTOMER_SUBMITTED_V1,
  type CallerContext,
  type ContactResolvedV1,
  type CustomerCreatedV1,
  type CustomerUpdatedV1,
  type PartnerBookingCreatedV1,
  type PartnerCustomerSubmittedV1,
  type PublishConsentTextDto,
} from '@kanta/contracts';
import { OutboxRelay, eventTopologyNames, serviceQueueNames } from '@kanta/messaging';
import {
  commandFor,
  createTestDatabase,
  deadLetterOf,
  eventuallyPasses,
  inOneHeldBatch,
  problemOf,
  type TestDatabase,
} from '@kanta/testing';
import { AppModule } from '../src/app.module';
import { Contactability } from '../src/contactability/contactability.service';
import { ConsentLedger } from '../src/ledger/consent-ledger.service';
import { CommunicationPreferences } from '../src/preferences/communication-preferences.service';
import { ConsentTextsRepository } from '../src/texts/consent-texts.repository';
import { ConsentTextsService } from '../src/texts/consent-texts.service';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/*
 * The consents service on a database and broker names of its own, fed customer events the way
 * the customers service publishes them.
 */
describe('consents service (real Postgres and RabbitMQ)', () => {
  const id = randomBytes(4).toString('hex');
  const exchange = `test.consents.${id}.events`;
  const queuePrefix = `test.consents.${id}.`;
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
    correlationId: 'consents-test',
  };

  beforeAll(async () => {
    db = await createTestDatabase('consents');
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
    const { main, retry, dlq } = serviceQueueNames('consents', queuePrefix);
    for (const queue of [main, retry, dlq]) await channel.deleteQueue(queue).catch(() => undefined);
    const names = eventTopologyNames(exchange);
    await channel.deleteQueue(names.unroutableQueue).catch(() => undefined);
    await channel.deleteExchange(names.eventsExchange).catch(() => undefined);
    await channel.deleteExchange(names.unroutableExchange).catch(() => undefined);
    await broker?.close();
    await db?.drop();
  });

  const publish = async (
    type: string,
    payload:
      | CustomerCreatedV1
      | CustomerUpdatedV1
      | ContactResolvedV1
      | PartnerBookingCreatedV1
      | PartnerCustomerSubmittedV1,
    eventId: string = randomUUID(),
  ): Promise<string> => {
    const envelope = {
      eventId,
      type,
      occurredAt: new Date().toISOString(),
      tenantId,
      producer: type.startsWith('partner.') ? 'partner:booking-portal' : 'customers',
      correlationId: 'consents-test',
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

  const created = (
    customerId: string,
    extra: Partial<CustomerCreatedV1> = {},
  ): CustomerCreatedV1 => ({
    customerId,
    customerNumber: '1',
    kind: 'person',
    status: 'active',
    origin: 'reception',
    stationIds: [station],
    version: 1,
    hasEmail: true,
    hasPhone: false,
    ...extra,
  });

  const known = async (customerId: string) =>
    (
      await dataSource.query<{ version: number; has_email: boolean; has_phone: boolean }[]>(
        'SELECT version, has_email, has_phone FROM consents.known_customers WHERE customer_id = $1',
        [customerId],
      )
    )[0];

  /** Publishes a text as the RPC handler does, with a command of its own. */
  const publishConsentText = (context: CallerContext, text: PublishConsentTextDto) =>
    app
      .get(ConsentTextsService)
      .publish(context, text, commandFor(CONSENTS.publishText, context, { text }));

  const ledgerRows = (customerId: string) =>
    dataSource.query<{ id: string; purpose: string; decision: string }[]>(
      'SELECT id, purpose, decision FROM consents.ledger WHERE customer_id = $1 ORDER BY id',
      [customerId],
    );

  /** A granted marketing consent of a new customer, and its text. */
  const grantedConsent = async (): Promise<{ customerId: string; id: string; textId: string }> => {
    const text = await publishConsentText(admin, {
      purpose: 'marketing_email',
      locale: 'fi',
      body: 'Tarjouksia sähköpostilla.',
    });
    const customerId = randomUUID();
    await publish(CUSTOMER_CREATED_V1, created(customerId));
    await eventuallyPasses(async () => expect(await known(customerId)).toBeDefined());
    const consents = {
      decisions: [
        { purpose: 'marketing_email' as const, decision: 'granted' as const, textId: text.text.id },
      ],
    };
    await app
      .get(ConsentLedger)
      .record(
        admin,
        customerId,
        consents,
        commandFor(CONSENTS.record, admin, { customerId, consents }),
      );
    const [entry] = await ledgerRows(customerId);
    return { customerId, id: entry.id, textId: text.text.id };
  };

  it('keeps the ledger append-only in the database itself, even for the role owning the schema', async () => {
    const { customerId, id, textId } = await grantedConsent();
    const owner = new Client(db.owner('consents'));
    await owner.connect();
    try {
      for (const sql of [
        `UPDATE consents.ledger SET decision = 'withdrawn' WHERE id = '${id}'`,
        `DELETE FROM consents.ledger WHERE id = '${id}'`,
        'TRUNCATE consents.ledger',
        `UPDATE consents.consent_texts SET body = 'changed' WHERE id = '${textId}'`,
        `DELETE FROM consents.consent_texts WHERE id = '${textId}'`,
      ]) {
        await expect(owner.query(sql)).rejects.toThrow(/append-only/);
      }
      expect(await ledgerRows(customerId)).toEqual([
        { id, purpose: 'marketing_email', decision: 'granted' },
      ]);

      // Only an erasure, which says so in its own transaction, may remove a customer's entries.
      await owner.query('BEGIN');
      await owner.query(`SET LOCAL consents.erasure = 'on'`);
      await owner.query('DELETE FROM consents.ledger WHERE customer_id = $1', [customerId]);
      await owner.query('COMMIT');
      expect(await ledgerRows(customerId)).toEqual([]);
      await expect(
        owner.query(`UPDATE consents.consent_texts SET body = 'x' WHERE id = $1`, [textId]),
      ).rejects.toThrow(/append-only/);
    } finally {
      await owner.end();
    }
  });

  it('gives the service’s own role no way around the ledger’s trigger', async () => {
    const { customerId, id, textId } = await grantedConsent();
    // The service's own connection, not one of the test's.
    expect(await dataSource.query('SELECT current_user AS role')).toEqual([
      { role: db.runtime('consents').user },
    ]);
    for (const [sql, refusal] of [
      [`UPDATE consents.ledger SET decision = 'withdrawn' WHERE id = '${id}'`, /permission denied/],
      [`DELETE FROM consents.ledger WHERE id = '${id}'`, /permission denied/],
      ['TRUNCATE consents.ledger', /permission denied/],
      [`UPDATE consents.consent_texts SET body = 'x' WHERE id = '${textId}'`, /permission denied/],
      [`DELETE FROM consents.consent_texts WHERE id = '${textId}'`, /permission denied/],
      ['ALTER TABLE consents.ledger DISABLE TRIGGER ledger_append_only', /must be owner/],
      ['ALTER TABLE consents.ledger DISABLE TRIGGER ALL', /must be owner/],
      ['DROP TRIGGER ledger_append_only ON consents.ledger', /must be owner/],
      [
        `CREATE OR REPLACE FUNCTION consents.refuse_change() RETURNS trigger LANGUAGE plpgsql
           AS $$ BEGIN RETURN NEW; END $$`,
        /permission denied|must be owner/,
      ],
      // Triggers do not fire for a replica's session: only a superuser may claim to be one.
      ['SET session_replication_role = replica', /permission denied/],
    ] as const) {
      await expect(dataSource.query(sql)).rejects.toThrow(refusal);
    }
    // Nor the erasure's way, which its trigger lets through: that is not the service's to take.
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL consents.erasure = 'on'`);
        await manager.query('DELETE FROM consents.ledger WHERE customer_id = $1', [customerId]);
      }),
    ).rejects.toThrow(/permission denied/);
    expect(await ledgerRows(customerId)).toEqual([
      { id, purpose: 'marketing_email', decision: 'granted' },
    ]);
  });

  it('records consents given at creation once, however often the event is delivered', async () => {
    const text = await publishConsentText(admin, {
      purpose: 'marketing_sms',
      locale: 'fi',
      body: 'Tekstiviestejä.',
    });
    const customerId = randomUUID();
    const payload = created(customerId, {
      consents: {
        source: 'reception',
        recordedBy: admin.userId,
        decisions: [{ purpose: 'marketing_sms', decision: 'granted', textId: text.text.id }],
      },
    });
    const eventId = await publish(CUSTOMER_CREATED_V1, payload);
    await publish(CUSTOMER_CREATED_V1, payload, eventId);
    await eventuallyPasses(async () => expect(await ledgerRows(customerId)).toHaveLength(1));
    // A later, different event for the same customer proves the queue moved past both copies.
    await publish(CUSTOMER_UPDATED_V1, {
      customerId,
      customerNumber: '1',
      status: 'active',
      stationIds: [station],
      version: 2,
      changedFields: ['phone'],
      hasEmail: true,
      hasPhone: true,
    });
    await eventuallyPasses(async () => expect((await known(customerId)).version).toBe(2));
    expect(await ledgerRows(customerId)).toHaveLength(1);
    const outbox = await dataSource.query<{ type: string }[]>(
      `SELECT type FROM consents.outbox WHERE envelope->'payload'->>'customerId' = $1`,
      [customerId],
    );
    expect(outbox.map((r) => r.type)).toEqual(['consents.consent.recorded.v1']);
  });

  describe("an import's decisions given under an unknown text (issue #16)", () => {
    const imported = (customerId: string, extra: Partial<CustomerCreatedV1> = {}) =>
      created(customerId, { origin: 'import', hasPhone: true, ...extra });

    it('records a column of another purpose than the named text under an unknown text, outdated', async () => {
      // The upload named one text (SMS) for both consent columns.
      const smsText = await publishConsentText(admin, {
        purpose: 'marketing_sms',
        locale: 'fi',
        body: 'Tekstiviestitarjouksia tuonnissa.',
      });
      const customerId = randomUUID();
      await publish(
        CUSTOMER_CREATED_V1,
        imported(customerId, {
          consents: {
            source: 'import',
            recordedBy: admin.userId,
            decisions: [
              { purpose: 'marketing_email', decision: 'granted', textId: smsText.text.id },
              { purpose: 'marketing_sms', decision: 'granted', textId: smsText.text.id },
            ],
          },
        }),
      );
      await eventuallyPasses(async () => expect(await ledgerRows(customerId)).toHaveLength(2));
      const { current } = await app.get(ConsentLedger).view(admin, customerId);
      const byPurpose = new Map(current.map((c) => [c.purpose, c]));
      expect(byPurpose.get('marketing_email')).toMatchObject({
        decision: 'granted',
        textId: null,
        outdated: true,
      });
      expect(byPurpose.get('marketing_sms')).toMatchObject({
        textId: smsText.text.id,
        outdated: false,
      });
    });

    it('records them with no text, outdated, so contactability says text_outdated; a named text as before', async () => {
      const smsText = await publishConsentText(admin, {
        purpose: 'marketing_sms',
        locale: 'fi',
        body: 'Tekstiviestitarjouksia.',
      });
      const customerId = randomUUID();
      await publish(
        CUSTOMER_CREATED_V1,
        imported(customerId, {
          consents: {
            source: 'import',
            recordedBy: admin.userId,
            decisions: [
              { purpose: 'marketing_email', decision: 'granted', textId: null },
              { purpose: 'commercial_info', decision: 'withdrawn', textId: null },
              { purpose: 'marketing_sms', decision: 'granted', textId: smsText.text.id },
            ],
          },
        }),
      );
      await eventuallyPasses(async () => expect(await ledgerRows(customerId)).toHaveLength(3));

      const { current } = await app.get(ConsentLedger).view(admin, customerId);
      const byPurpose = new Map(current.map((c) => [c.purpose, c]));
      expect(byPurpose.get('marketing_email')).toMatchObject({
        decision: 'granted',
        source: 'import',
        textId: null,
        textVersion: null,
        textLocale: null,
        recordedBy: { userId: admin.userId, partner: null },
        outdated: true,
      });
      expect(byPurpose.get('commercial_info')).toMatchObject({
        decision: 'withdrawn',
        textId: null,
        outdated: true,
      });
      expect(byPurpose.get('marketing_sms')).toMatchObject({
        decision: 'granted',
        source: 'import',
        textId: smsText.text.id,
        textVersion: smsText.text.version,
        outdated: false,
      });

      // Granted under an unknown text: the business must ask again before marketing.
      const contactability = app.get(Contactability);
      expect(await contactability.check(admin, customerId, 'marketing', 'email')).toMatchObject({
        allowed: false,
        reasons: ['text_outdated'],
      });
      expect(await contactability.check(admin, customerId, 'marketing', 'phone')).toMatchObject({
        allowed: false,
        reasons: ['consent_withdrawn'],
      });
      expect(await contactability.check(admin, customerId, 'marketing', 'sms')).toMatchObject({
        allowed: true,
        reasons: [],
      });

      const recorded = await dataSource.query<{ payload: Record<string, unknown> }[]>(
        `SELECT envelope->'payload' AS payload FROM consents.outbox
          WHERE type = 'consents.consent.recorded.v1'
            AND envelope->'payload'->>'customerId' = $1
          ORDER BY envelope->'payload'->>'purpose'`,
        [customerId],
      );
      expect(recorded.map((r) => r.payload)).toEqual([
        expect.objectContaining({ purpose: 'commercial_info', textId: null, textVersion: null }),
        expect.objectContaining({ purpose: 'marketing_email', textId: null, textVersion: null }),
        expect.objectContaining({
          purpose: 'marketing_sms',
          textId: smsText.text.id,
          textVersion: smsText.text.version,
        }),
      ]);

      // Asked again: a refresh records the decision under the tenant's text now in force...
      const emailText = await publishConsentText(admin, {
        purpose: 'marketing_email',
        locale: 'fi',
        body: 'Sähköpostitarjouksia, kysytty uudelleen.',
      });
      const refresh = { purposes: ['marketing_email'] };
      await app
        .get(ConsentLedger)
        .refresh(
          admin,
          customerId,
          refresh,
          commandFor(CONSENTS.refresh, admin, { customerId, refresh }),
        );
      expect(await contactability.check(admin, customerId, 'marketing', 'email')).toMatchObject({
        allowed: true,
        reasons: [],
      });
      const after = await app.get(ConsentLedger).view(admin, customerId);
      expect(after.current.find((c) => c.purpose === 'marketing_email')).toMatchObject({
        textId: emailText.text.id,
        outdated: false,
      });
      // ...and, without one in the tenant's locale, says so rather than guessing.
      const noText = { purposes: ['commercial_info'] };
      expect(
        await problemOf(
          app
            .get(ConsentLedger)
            .refresh(
              admin,
              customerId,
              noText,
              commandFor(CONSENTS.refresh, admin, { customerId, refresh: noText }),
            ),
        ),
      ).toMatchObject({
        status: 422,
        errors: [expect.objectContaining({ field: 'purposes', reason: 'no_text' })],
      });
    });

    it('records no decision without a text from any other source, and the database refuses one', async () => {
      const customerId = randomUUID();
      await publish(
        CUSTOMER_CREATED_V1,
        created(customerId, {
          consents: {
            source: 'reception',
            recordedBy: admin.userId,
            decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: null }],
          },
        }),
      );
      await eventuallyPasses(async () => expect(await known(customerId)).toBeDefined());
      expect(await ledgerRows(customerId)).toEqual([]);

      const insert = (source: string) =>
        dataSource.query(
          `INSERT INTO consents.ledger (tenant_id, id, customer_id, purpose, decision, text_id,
             source, recorded_by_user)
           VALUES ($1, $2, $3, 'marketing_email', 'granted', NULL, $4, $5)`,
          [tenantId, randomUUID(), customerId, source, admin.userId],
        );
      await expect(insert('reception')).rejects.toThrow(/ledger_entry_kind/);
      await expect(insert('import')).resolves.toBeDefined();
    });
  });

  it('never lets an older customer event overwrite a newer one', async () => {
    const customerId = randomUUID();
    const update = (version: number, hasPhone: boolean): CustomerUpdatedV1 => ({
      customerId,
      customerNumber: '1',
      status: 'active',
      stationIds: [station],
      version,
      changedFields: ['phone'],
      hasEmail: true,
      hasPhone,
    });
    await publish(CUSTOMER_UPDATED_V1, update(3, true));
    await eventuallyPasses(async () => expect((await known(customerId))?.version).toBe(3));
    await publish(CUSTOMER_CREATED_V1, created(customerId));
    await publish(CUSTOMER_UPDATED_V1, update(2, false));
    const marker = randomUUID();
    await publish(CUSTOMER_CREATED_V1, created(marker));
    await eventuallyPasses(async () => expect(await known(marker)).toBeDefined());
    expect(await known(customerId)).toEqual({ version: 3, has_email: true, has_phone: true });
  });

  describe('consents and preferences from partner events', () => {
    let emailText: string;
    let smsText: string;

    beforeAll(async () => {
      const publishText = async (purpose: 'marketing_email' | 'marketing_sms', body: string) =>
        (await publishConsentText(admin, { purpose, locale: 'fi', body })).text.id;
      emailText = await publishText('marketing_email', 'Sähköposti.');
      smsText = await publishText('marketing_sms', 'Tekstiviesti.');
    });

    const booking = (extra: Partial<PartnerBookingCreatedV1> = {}): PartnerBookingCreatedV1 => ({
      bookingId: `B-${randomBytes(3).toString('hex')}`,
      stationId: station,
      scheduledAt: '2026-12-01T09:00:00Z',
      customer: { firstName: 'Verkko', phone: '+358401230001' },
      consents: [
        { purpose: 'marketing_email', decision: 'granted', textId: emailText },
        { purpose: 'marketing_sms', decision: 'withdrawn', textId: smsText },
      ],
      preferences: { preferredChannel: 'email', serviceNotifications: false },
      ...extra,
    });

    const resolved = (
      partnerEventId: string,
      customerId: string | null,
      partnerEventType: string = PARTNER_BOOKING_CREATED_V1,
      carriesConsents = true,
    ): ContactResolvedV1 => ({
      partnerEventId,
      partnerEventType,
      customerId,
      outcome: customerId ? 'matched' : 'insufficient',
      stationIds: customerId ? [station] : [],
      carriesConsents,
    });

    const entries = (customerId: string) =>
      dataSource.query<
        { purpose: string; decision: string; source: string; recorded_by_partner: string }[]
      >(
        `SELECT purpose, decision, source, recorded_by_partner FROM consents.ledger
          WHERE customer_id = $1 ORDER BY purpose`,
        [customerId],
      );

    const inFlight = async (partnerEventId: string): Promise<number> => {
      const [row] = await dataSource.query<{ n: number }[]>(
        `SELECT (SELECT count(*) FROM consents.partner_pending WHERE partner_event_id = $1)
              + (SELECT count(*) FROM consents.partner_resolutions WHERE partner_event_id = $1)
              AS n`,
        [partnerEventId],
      );
      return Number(row.n);
    };

    const preferencesOf = (customerId: string) =>
      app.get(CommunicationPreferences).get(admin, customerId);

    /** A customer event after the others proves the queue moved past them. */
    const drained = async (): Promise<void> => {
      const marker = randomUUID();
      await publish(CUSTOMER_CREATED_V1, created(marker));
      await eventuallyPasses(async () => expect(await known(marker)).toBeDefined());
    };

    it('records them for the resolved customer, with the partner as recorder, in either order', async () => {
      const early = randomUUID();
      const late = randomUUID();
      await publish(CUSTOMER_CREATED_V1, created(early));
      await publish(CUSTOMER_CREATED_V1, created(late));
      // The usual order: the partner event first, the customers service's answer after it.
      const first = await publish(PARTNER_BOOKING_CREATED_V1, booking());
      await drained();
      expect(await inFlight(first)).toBe(1);
      expect(await entries(early)).toEqual([]);
      await publish(CONTACT_RESOLVED_V1, resolved(first, early));
      // The answer first (the partner event is still on its way).
      const second = randomUUID();
      await publish(CONTACT_RESOLVED_V1, resolved(second, late));
      await drained();
      expect(await inFlight(second)).toBe(1);
      expect(await entries(late)).toEqual([]);
      await publish(
        PARTNER_BOOKING_CREATED_V1,
        booking({ channel: 'kiosk', preferences: { blocked: true } }),
        second,
      );

      await eventuallyPasses(async () => expect(await entries(early)).toHaveLength(2));
      await eventuallyPasses(async () => expect(await entries(late)).toHaveLength(2));
      expect(await entries(early)).toEqual([
        {
          purpose: 'marketing_email',
          decision: 'granted',
          source: 'online_booking',
          recorded_by_partner: 'booking-portal',
        },
        {
          purpose: 'marketing_sms',
          decision: 'withdrawn',
          source: 'online_booking',
          recorded_by_partner: 'booking-portal',
        },
      ]);
      expect((await entries(late)).map((e) => e.source)).toEqual(['kiosk', 'kiosk']);
      expect(await preferencesOf(early)).toMatchObject({
        blocked: false,
        preferredChannel: 'email',
        serviceNotifications: false,
        version: 1,
      });
      expect(await preferencesOf(late)).toMatchObject({ blocked: true, version: 1 });
      expect(await inFlight(first)).toBe(0);
      expect(await inFlight(second)).toBe(0);
      const events = await dataSource.query<{ type: string }[]>(
        `SELECT type FROM consents.outbox WHERE envelope->'payload'->>'customerId' = $1
          ORDER BY id`,
        [early],
      );
      expect(events.map((e) => e.type)).toEqual([
        'consents.consent.recorded.v1',
        'consents.consent.recorded.v1',
        'consents.preferences.changed.v1',
      ]);
    });

    it('records them when the event and its answer share one batch transaction, in either order', async () => {
      // A first event whose lock the test holds keeps the consumer's batch busy, so the ones
      // published meanwhile gather into the next batch, as a burst does.
      const gate = randomUUID();
      const [a, b] = [randomUUID(), randomUUID()];
      const [eventA, eventB] = [randomUUID(), randomUUID()];
      await inOneHeldBatch(
        dataSource,
        `consents:${tenantId}:partner-event:${gate}`,
        () => publish(PARTNER_BOOKING_CREATED_V1, booking({ consents: undefined }), gate),
        async () => {
          await publish(PARTNER_BOOKING_CREATED_V1, booking(), eventA);
          await publish(CONTACT_RESOLVED_V1, resolved(eventA, a));
          await publish(CONTACT_RESOLVED_V1, resolved(eventB, b));
          await publish(PARTNER_BOOKING_CREATED_V1, booking(), eventB);
        },
      );
      await publish(CONTACT_RESOLVED_V1, resolved(gate, randomUUID()));
      await eventuallyPasses(async () => expect(await entries(a)).toHaveLength(2));
      await eventuallyPasses(async () => expect(await entries(b)).toHaveLength(2));
      const [together] = await dataSource.query<{ n: number }[]>(
        'SELECT count(DISTINCT processed_at) AS n FROM consents.inbox WHERE event_id = ANY($1)',
        [[eventA, eventB]],
      );
      expect(Number(together.n)).toBe(1);
      await drained();
      for (const id of [gate, eventA, eventB]) expect(await inFlight(id)).toBe(0);
    });

    it('learns several versions of one customer in one batch as if one by one', async () => {
      const customerId = randomUUID();
      const other = randomUUID();
      await publish(CUSTOMER_CREATED_V1, created(customerId, { hasPhone: true }));
      await publish(CUSTOMER_CREATED_V1, created(other, { hasEmail: false, hasPhone: true }));
      await eventuallyPasses(async () => expect((await known(other))?.version).toBe(1));
      const update = (
        version: number,
        extra: Partial<CustomerUpdatedV1>,
        id = customerId,
      ): CustomerUpdatedV1 => ({
        customerId: id,
        customerNumber: '1',
        status: 'active',
        stationIds: [station],
        version,
        changedFields: ['email'],
        ...extra,
      });
      const gate = randomUUID();
      const updates: string[] = [];
      await inOneHeldBatch(
        dataSource,
        `consents:${tenantId}:partner-event:${gate}`,
        () => publish(PARTNER_BOOKING_CREATED_V1, booking(), gate),
        async () => {
          // The newest, from a producer that did not tell hasPhone; an older one after it; an
          // equal version last, which the table refuses one by one too.
          updates.push(await publish(CUSTOMER_UPDATED_V1, update(3, { hasEmail: false })));
          updates.push(
            await publish(CUSTOMER_UPDATED_V1, update(2, { hasEmail: true, hasPhone: false })),
          );
          updates.push(
            await publish(CUSTOMER_UPDATED_V1, update(3, { hasEmail: true, hasPhone: false })),
          );
          // The other way round: what an event told stays when a newer one does not tell it.
          updates.push(
            await publish(
              CUSTOMER_UPDATED_V1,
              update(2, { hasEmail: true, hasPhone: false }, other),
            ),
          );
          updates.push(await publish(CUSTOMER_UPDATED_V1, update(3, {}, other)));
        },
      );
      await publish(CONTACT_RESOLVED_V1, resolved(gate, randomUUID()));
      await drained();
      expect(await known(customerId)).toEqual({ version: 3, has_email: false, has_phone: true });
      expect(await known(other)).toEqual({ version: 3, has_email: true, has_phone: false });
      const [together] = await dataSource.query<{ n: number }[]>(
        'SELECT count(DISTINCT processed_at) AS n FROM consents.inbox WHERE event_id = ANY($1)',
        [updates],
      );
      expect(Number(together.n)).toBe(1);
    });

    it('records an online check-in once, however often it and its answer are delivered', async () => {
      const customerId = randomUUID();
      const submitted: PartnerCustomerSubmittedV1 = {
        submissionId: 'S-1',
        stationId: station,
        source: 'online_check_in',
        customer: { lastName: 'Kävijä', email: 'kavija@example.test' },
        consents: [{ purpose: 'marketing_email', decision: 'granted', textId: emailText }],
      };
      const eventId = await publish(PARTNER_CUSTOMER_SUBMITTED_V1, submitted);
      await publish(PARTNER_CUSTOMER_SUBMITTED_V1, submitted, eventId);
      const answer = resolved(eventId, customerId, PARTNER_CUSTOMER_SUBMITTED_V1);
      const answerId = await publish(CONTACT_RESOLVED_V1, answer);
      await publish(CONTACT_RESOLVED_V1, answer, answerId);
      await drained();
      await eventuallyPasses(async () => expect(await entries(customerId)).toHaveLength(1));
      await drained();
      expect(await entries(customerId)).toEqual([
        {
          purpose: 'marketing_email',
          decision: 'granted',
          source: 'online_booking',
          recorded_by_partner: 'booking-portal',
        },
      ]);
      expect(await inFlight(eventId)).toBe(0);
    });

    it('keeps nothing for events without consents, or whose contact matched nobody', async () => {
      const plain = booking({ consents: undefined, preferences: undefined });
      // In both orders: the event before its answer, and the answer before its event.
      const plainAnswer = (id: string) =>
        resolved(id, randomUUID(), PARTNER_BOOKING_CREATED_V1, false);
      const before = await publish(PARTNER_BOOKING_CREATED_V1, plain);
      await drained();
      expect(await inFlight(before)).toBe(0);
      await publish(CONTACT_RESOLVED_V1, plainAnswer(before));
      const after = randomUUID();
      await publish(CONTACT_RESOLVED_V1, plainAnswer(after));
      await drained();
      expect(await inFlight(after)).toBe(0);
      await publish(PARTNER_BOOKING_CREATED_V1, plain, after);
      const nobody = await publish(PARTNER_BOOKING_CREATED_V1, booking());
      await publish(CONTACT_RESOLVED_V1, resolved(nobody, null));
      // An answer about a sale (which never carries consents) is none of this service's business.
      await publish(
        CONTACT_RESOLVED_V1,
        resolved(randomUUID(), randomUUID(), 'partner.sale.completed.v1'),
      );
      await drained();
      const [rows] = await dataSource.query<{ n: number }[]>(
        `SELECT (SELECT count(*) FROM consents.partner_pending)
              + (SELECT count(*) FROM consents.partner_resolutions) AS n`,
      );
      expect(Number(rows.n)).toBe(0);
    });

    it('answers a text from memory once read, and only to its own tenant', async () => {
      const texts = app.get(ConsentTextsRepository);
      const unasked = randomUUID();
      const [stored] = await dataSource.query<{ version: number }[]>(
        'SELECT version FROM consents.consent_texts WHERE id = $1',
        [emailText],
      );
      const read = await texts.identify(dataSource, tenantId, [emailText, unasked]);
      expect([...read.values()]).toEqual([
        { id: emailText, purpose: 'marketing_email', version: stored.version },
      ]);
      // Texts never change, so a second read does not reach the database...
      const noDatabase = {
        query: () => Promise.reject(new Error('asked the database')),
      } as unknown as DataSource;
      expect((await texts.identify(noDatabase, tenantId, [emailText])).get(emailText)).toEqual(
        read.get(emailText),
      );
      // An id in capitals (a partner may send one) is the same text.
      expect(
        (await texts.identify(noDatabase, tenantId, [emailText.toUpperCase()])).get(emailText),
      ).toEqual(read.get(emailText));
      expect(
        await app
          .get(ConsentLedger)
          .problems(dataSource, tenantId, [
            { purpose: 'marketing_email', decision: 'granted', textId: emailText.toUpperCase() },
          ]),
      ).toEqual([]);
      // ...but an id it did not find, and the same text asked for by another tenant, do.
      await expect(texts.identify(noDatabase, tenantId, [unasked])).rejects.toThrow(
        'asked the database',
      );
      await expect(texts.identify(noDatabase, randomUUID(), [emailText])).rejects.toThrow(
        'asked the database',
      );
      expect((await texts.identify(dataSource, randomUUID(), [emailText])).size).toBe(0);
    });

    it('dead-letters an event whose decision names no text of the tenant, recording nothing of it', async () => {
      const customerId = randomUUID();
      const unknown = randomUUID();
      const eventId = await publish(
        PARTNER_BOOKING_CREATED_V1,
        booking({
          consents: [
            { purpose: 'marketing_email', decision: 'granted', textId: emailText },
            { purpose: 'marketing_sms', decision: 'granted', textId: unknown },
          ],
        }),
      );
      await publish(CONTACT_RESOLVED_V1, resolved(eventId, customerId));
      // Kept as a dead letter of the consents service, with its tenant, for its admins.
      expect(await deadLetterOf(dataSource, 'consents', eventId)).toEqual({
        reason: 'invalid-message',
        attempts: 0,
        consumer: 'consents',
        tenant_id: tenantId,
        last_error:
          'payload.consents.1.textId unknown_text: textId must be a consent text of your tenant',
      });
      await drained();
      expect(await entries(customerId)).toEqual([]);
      // The other services took the event: the refusal is announced for the admins' list.
      const [announced] = await dataSource.query<{ tenant_id: string; payload: unknown }[]>(
        `SELECT tenant_id, envelope -> 'payload' AS payload FROM consents.outbox
          WHERE type = 'consents.partner_event.refused.v1'
            AND envelope -> 'payload' ->> 'partnerEventId' = $1`,
        [eventId],
      );
      expect(announced).toEqual({
        tenant_id: tenantId,
        payload: {
          partnerEventId: eventId,
          partnerEventType: PARTNER_BOOKING_CREATED_V1,
          producer: expect.stringMatching(/^partner:/),
          reason:
            'payload.consents.1.textId unknown_text: textId must be a consent text of your tenant',
        },
      });
      // The answer (ids only) waits for the event, should it be sent again from the DLQ...
      expect(await inFlight(eventId)).toBe(1);
      await app.get(OutboxRelay).deleteExpired();
      expect(await inFlight(eventId)).toBe(1);
      // ...for EVENTS_WAIT_RETENTION_DAYS (30); so does a partner event's waiting consents.
      const waitingConsents = await publish(PARTNER_BOOKING_CREATED_V1, booking());
      await drained();
      expect(await inFlight(waitingConsents)).toBe(1);
      for (const table of ['partner_resolutions', 'partner_pending']) {
        await dataSource.query(
          `UPDATE consents.${table} SET received_at = now() - interval '31 days'
            WHERE partner_event_id = ANY($1::uuid[])`,
          [[eventId, waitingConsents]],
        );
      }
      await app.get(OutboxRelay).deleteExpired();
      expect(await inFlight(eventId)).toBe(0);
      expect(await inFlight(waitingConsents)).toBe(0);
    });
  });
});
