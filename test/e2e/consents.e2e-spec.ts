import type {
  CommunicationPreferencesView,
  ConsentTextPage,
  ConsentTextView,
  ContactabilityView,
  CustomerConsentsView,
  CustomerView,
  VisitPage,
  VisitView,
} from '@kanta/contracts';
import { eventuallyPasses } from '@kanta/testing';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(120_000);

/*
 * Consents through the gateway: versioned texts, the append-only ledger, outdated decisions and
 * their refresh, preferences, contactability for every reason, and what another tenant or
 * another station's worker can never reach.
 */
describe('consents (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let emailText: ConsentTextView;
  let smsText: ConsentTextView;
  let phoneText: ConsentTextView;

  const publish = (api: TenantFixture['admin'], purpose: string, body: string, locale = 'fi') =>
    api.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', { purpose, locale, body });

  // Each customer its own e-mail and phone, or duplicate detection would rightly refuse them.
  let made = 0;
  const newCustomer = (fields: Record<string, unknown> = {}) => {
    made += 1;
    return fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Suostumus',
      lastName: `Testi${made}`,
      email: `suostumus${made}@example.test`,
      phone: `040 000 ${String(1000 + made)}`,
      stationIds: [fi.stationIds[0]],
      ...fields,
    });
  };

  const consentsOf = (id: string, history = false) =>
    fi.admin.expect<CustomerConsentsView>(
      200,
      'GET',
      `/api/v1/customers/${id}/consents${history ? '?history=true' : ''}`,
    );

  const contactability = (id: string, purpose: string, channel: string) =>
    fi.admin.expect<ContactabilityView>(
      200,
      'GET',
      `/api/v1/customers/${id}/contactability?purpose=${purpose}&channel=${channel}`,
    );

  const record = (id: string, decisions: Record<string, unknown>[], source = 'reception') =>
    fi.admin.expect<CustomerConsentsView>(201, 'POST', `/api/v1/customers/${id}/consents`, {
      source,
      decisions,
    });

  beforeAll(async () => {
    e2e = await startE2eSystem('consents');
    fi = await createTenant(e2e, 'cons-fi');
    pl = await createTenant(e2e, 'cons-pl', 'PL', 'pl');
    emailText = await publish(fi.admin, 'marketing_email', 'Saat lähettää minulle tarjouksia.');
    smsText = await publish(fi.admin, 'marketing_sms', 'Saat lähettää minulle tekstiviestejä.');
    phoneText = await publish(fi.admin, 'commercial_info', 'Saat soittaa minulle tarjouksista.');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  describe('consent texts', () => {
    it('versions a purpose per locale and keeps every version readable', async () => {
      const v1 = await publish(fi.admin, 'loyalty_club', 'Liityn kanta-asiakasklubiin.');
      const v2 = await publish(fi.admin, 'loyalty_club', 'Liityn kanta-asiakasklubiin (uusi).');
      const en = await publish(fi.admin, 'loyalty_club', 'I join the club.', 'en');
      expect([v1.version, v2.version, en.version]).toEqual([1, 2, 1]);
      expect(v1.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(v2.contentHash).not.toBe(v1.contentHash);
      const inForce = await fi.worker.expect<ConsentTextPage>(
        200,
        'GET',
        '/api/v1/consent-texts?purpose=loyalty_club',
      );
      expect(inForce.items.map((t) => [t.locale, t.version])).toEqual([
        ['en', 1],
        ['fi', 2],
      ]);
      const history = await fi.admin.expect<ConsentTextPage>(
        200,
        'GET',
        '/api/v1/consent-texts?purpose=loyalty_club&locale=fi&history=true',
      );
      expect(history.items.map((t) => [t.version, t.superseded])).toEqual([
        [2, false],
        [1, true],
      ]);
      const old = await fi.worker.expect<ConsentTextView>(
        200,
        'GET',
        `/api/v1/consent-texts/${v1.id}`,
      );
      expect(old).toMatchObject({ body: 'Liityn kanta-asiakasklubiin.', superseded: true });
    });

    it('publishes nothing when the text in force is sent again', async () => {
      const again = await fi.admin.request<ConsentTextView>('POST', '/api/v1/consent-texts', {
        purpose: 'marketing_email',
        locale: 'fi',
        body: '  Saat lähettää minulle tarjouksia.  ',
      });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(emailText.id);
    });

    it('lets only admins publish', async () => {
      expectProblem(
        await fi.worker.request('POST', '/api/v1/consent-texts', {
          purpose: 'marketing_email',
          locale: 'fi',
          body: 'x',
        }),
        403,
      );
    });

    it.each([
      ['a purpose with capitals', { purpose: 'Marketing', locale: 'fi', body: 'x' }, 'purpose'],
      ['an unknown locale', { purpose: 'marketing_email', locale: 'de', body: 'x' }, 'locale'],
      ['a blank body', { purpose: 'marketing_email', locale: 'fi', body: '  ' }, 'body'],
      [
        'a too long body',
        { purpose: 'marketing_email', locale: 'fi', body: 'x'.repeat(20001) },
        'body',
      ],
      ['no body', { purpose: 'marketing_email', locale: 'fi' }, 'body'],
    ])('refuses a text with %s', async (_what, body, field) => {
      expectProblem(await fi.admin.request('POST', '/api/v1/consent-texts', body), 422, field);
    });

    it('refuses bad list filters', async () => {
      expectProblem(
        await fi.admin.request('GET', '/api/v1/consent-texts?history=maybe'),
        422,
        'history',
      );
      expectProblem(
        await fi.admin.request('GET', '/api/v1/consent-texts?locale=xx'),
        422,
        'locale',
      );
    });
  });

  describe('the ledger', () => {
    it('records decisions given in the same call that creates the customer', async () => {
      const customer = await newCustomer({
        consents: {
          source: 'reception',
          decisions: [
            { purpose: 'marketing_email', decision: 'granted', textId: emailText.id },
            { purpose: 'marketing_sms', decision: 'withdrawn', textId: smsText.id },
          ],
        },
      });
      const view = await eventuallyPasses(async () => {
        const v = await consentsOf(customer.id);
        expect(v.current).toHaveLength(2);
        return v;
      });
      expect(view.current).toEqual([
        expect.objectContaining({
          purpose: 'marketing_email',
          decision: 'granted',
          textId: emailText.id,
          textVersion: 1,
          source: 'reception',
          outdated: false,
        }),
        expect.objectContaining({ purpose: 'marketing_sms', decision: 'withdrawn' }),
      ]);
      expect(view.current[0].recordedBy.userId).toEqual(expect.any(String));
    });

    it('refuses a create whose consent decisions are wrong, creating nothing', async () => {
      const before = await fi.admin.expect<{ items: unknown[] }>(
        200,
        'GET',
        '/api/v1/customers?q=Vaarasuostumus',
      );
      const response = await fi.admin.request('POST', '/api/v1/customers', {
        firstName: 'Vaarasuostumus',
        lastName: 'Testi',
        consents: {
          decisions: [{ purpose: 'marketing_sms', decision: 'granted', textId: emailText.id }],
        },
      });
      expectProblem(response, 422, 'consents.decisions.0.textId', 'wrong_purpose');
      const after = await fi.admin.expect<{ items: unknown[] }>(
        200,
        'GET',
        '/api/v1/customers?q=Vaarasuostumus',
      );
      expect(after.items).toHaveLength(before.items.length);
    });

    it('records decisions given at reception with a visit, in the same call', async () => {
      const customer = await newCustomer();
      const me = await fi.worker.expect<{ user: { id: string } }>(200, 'GET', '/api/v1/me');
      const visit = await fi.worker.expect<VisitView>(201, 'POST', '/api/v1/visits', {
        customerId: customer.id,
        kind: 'inspection',
        channel: 'walk_in',
        scheduledAt: '2026-12-02T10:00:00+02:00',
        consents: {
          decisions: [
            {
              purpose: 'marketing_sms',
              decision: 'granted',
              textId: smsText.id,
              evidence: { signatureRef: 'form-77' },
            },
          ],
        },
      });
      expect(visit.customerId).toBe(customer.id);
      const view = await eventuallyPasses(async () => {
        const v = await consentsOf(customer.id);
        expect(v.current).toHaveLength(1);
        return v;
      });
      expect(view.current[0]).toMatchObject({
        purpose: 'marketing_sms',
        decision: 'granted',
        textId: smsText.id,
        source: 'reception',
        recordedBy: { userId: me.user.id, partner: null },
        evidence: { signatureRef: 'form-77' },
      });
    });

    it('refuses a visit whose consent decisions are wrong or have no customer, recording nothing', async () => {
      const customer = await newCustomer();
      const visit = (extra: Record<string, unknown>) =>
        fi.worker.request('POST', '/api/v1/visits', {
          kind: 'booking',
          channel: 'phone',
          scheduledAt: '2026-12-03T10:00:00+02:00',
          externalId: `V-CONSENT-${customer.id}`,
          ...extra,
        });
      expectProblem(
        await visit({
          customerId: customer.id,
          consents: {
            decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: smsText.id }],
          },
        }),
        422,
        'consents.decisions.0.textId',
        'wrong_purpose',
      );
      expectProblem(
        await visit({
          consents: {
            decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: emailText.id }],
          },
        }),
        422,
        'consents',
        'requires_customer',
      );
      // Without a customer the decisions are not looked at: the missing customer is the error.
      expectProblem(
        await visit({
          consents: {
            decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: smsText.id }],
          },
        }),
        422,
        'consents',
        'requires_customer',
      );
      expectProblem(
        await visit({ customerId: customer.id, consents: { decisions: [] } }),
        422,
        'consents.decisions',
      );
      const visits = await fi.admin.expect<VisitPage>(
        200,
        'GET',
        `/api/v1/customers/${customer.id}/visits`,
      );
      expect(visits.items).toEqual([]);
      expect((await consentsOf(customer.id)).current).toEqual([]);
    });

    it('appends: a new decision becomes current, the old one stays in the history', async () => {
      const customer = await newCustomer();
      await record(customer.id, [
        {
          purpose: 'marketing_email',
          decision: 'granted',
          textId: emailText.id,
          evidence: { signatureRef: 'FORM-0001' },
        },
      ]);
      const withdrawn = await record(
        customer.id,
        [{ purpose: 'marketing_email', decision: 'withdrawn', textId: emailText.id }],
        'client_portal',
      );
      expect(withdrawn.current).toEqual([
        expect.objectContaining({ decision: 'withdrawn', source: 'client_portal' }),
      ]);
      const full = await consentsOf(customer.id, true);
      expect(full.history?.map((e) => [e.decision, e.evidence])).toEqual([
        ['withdrawn', null],
        ['granted', { signatureRef: 'FORM-0001' }],
      ]);
    });

    it('offers no way to change or delete history through the API', async () => {
      const customer = await newCustomer();
      const recorded = await record(customer.id, [
        { purpose: 'marketing_sms', decision: 'granted', textId: smsText.id },
      ]);
      const entry = recorded.current[0];
      const base = `/api/v1/customers/${customer.id}/consents`;
      for (const [method, path] of [
        ['PUT', base],
        ['PATCH', base],
        ['DELETE', base],
        ['PATCH', `${base}/${entry.id}`],
        ['PUT', `${base}/${entry.id}`],
        ['DELETE', `${base}/${entry.id}`],
        ['PATCH', `/api/v1/consent-texts/${smsText.id}`],
        ['PUT', `/api/v1/consent-texts/${smsText.id}`],
        ['DELETE', `/api/v1/consent-texts/${smsText.id}`],
      ] as const) {
        const response = await fi.admin.request(method, path, { decision: 'withdrawn' });
        expect([404, 405]).toContain(response.status);
      }
      // A POST with the entry's id cannot overwrite it either: unknown fields are refused.
      expectProblem(
        await fi.admin.request('POST', base, {
          decisions: [
            { id: entry.id, purpose: 'marketing_sms', decision: 'withdrawn', textId: smsText.id },
          ],
        }),
        422,
        'decisions.0.id',
        'unknown_field',
      );
      const after = await consentsOf(customer.id, true);
      expect(after.history).toEqual([
        expect.objectContaining({ id: entry.id, decision: 'granted' }),
      ]);
      const text = await fi.admin.expect<ConsentTextView>(
        200,
        'GET',
        `/api/v1/consent-texts/${smsText.id}`,
      );
      expect(text.body).toBe(smsText.body);
    });

    it('marks a decision outdated when its text is republished, and refresh records it anew', async () => {
      const customer = await newCustomer();
      const purpose = 'third_party_sharing';
      const v1 = await publish(fi.admin, purpose, 'Tietoja saa jakaa kumppaneille.');
      await record(customer.id, [{ purpose, decision: 'granted', textId: v1.id }]);
      const v2 = await publish(fi.admin, purpose, 'Tietoja saa jakaa kumppaneille (päivitetty).');
      const stale = await consentsOf(customer.id);
      expect(stale.current).toEqual([
        expect.objectContaining({ purpose, textId: v1.id, outdated: true }),
      ]);
      const refreshed = await fi.admin.expect<CustomerConsentsView>(
        201,
        'POST',
        `/api/v1/customers/${customer.id}/consents/refresh`,
        { purposes: [purpose], evidence: { note: 'agreed again at the desk' } },
      );
      expect(refreshed.current).toEqual([
        expect.objectContaining({ purpose, decision: 'granted', textId: v2.id, outdated: false }),
      ]);
      expect((await consentsOf(customer.id, true)).history).toHaveLength(2);
    });

    it('refuses to refresh what the customer never decided', async () => {
      const customer = await newCustomer();
      expectProblem(
        await fi.admin.request('POST', `/api/v1/customers/${customer.id}/consents/refresh`, {}),
        422,
        'purposes',
        'no_decision',
      );
      await record(customer.id, [
        { purpose: 'marketing_email', decision: 'granted', textId: emailText.id },
      ]);
      expectProblem(
        await fi.admin.request('POST', `/api/v1/customers/${customer.id}/consents/refresh`, {
          purposes: ['marketing_sms'],
        }),
        422,
        'purposes',
        'no_decision',
      );
    });

    it.each([
      ['no decisions', { decisions: [] }, 'decisions', 'too_few'],
      [
        'an unknown decision',
        {
          decisions: [
            {
              purpose: 'marketing_email',
              decision: 'maybe',
              textId: '00000000-0000-4000-8000-000000000001',
            },
          ],
        },
        'decisions.0.decision',
        'not_allowed',
      ],
      [
        'an unknown text',
        {
          decisions: [
            {
              purpose: 'marketing_email',
              decision: 'granted',
              textId: '00000000-0000-4000-8000-000000000001',
            },
          ],
        },
        'decisions.0.textId',
        'unknown_text',
      ],
      [
        'a text id that is no UUID',
        { decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: 'v1' }] },
        'decisions.0.textId',
        'invalid_format',
      ],
      ['an unknown source', { source: 'fax', decisions: [] }, 'source', 'not_allowed'],
      [
        'too long evidence',
        {
          decisions: [
            {
              purpose: 'marketing_email',
              decision: 'granted',
              textId: '00000000-0000-4000-8000-000000000001',
              evidence: { note: 'x'.repeat(501) },
            },
          ],
        },
        'decisions.0.evidence.note',
        'too_long',
      ],
    ])('refuses a record with %s', async (_what, body, field, reason) => {
      const customer = await newCustomer();
      expectProblem(
        await fi.admin.request('POST', `/api/v1/customers/${customer.id}/consents`, body),
        422,
        field,
        reason,
      );
    });

    it('refuses two decisions for one purpose and a text of another purpose', async () => {
      const customer = await newCustomer();
      const response = await fi.admin.request('POST', `/api/v1/customers/${customer.id}/consents`, {
        decisions: [
          { purpose: 'marketing_email', decision: 'granted', textId: emailText.id },
          { purpose: 'marketing_email', decision: 'withdrawn', textId: emailText.id },
          { purpose: 'marketing_sms', decision: 'granted', textId: emailText.id },
        ],
      });
      expectProblem(response, 422, 'decisions.1.purpose', 'duplicate');
      expectProblem(response, 422, 'decisions.2.textId', 'wrong_purpose');
      expect((await consentsOf(customer.id)).current).toEqual([]);
    });
  });

  describe('preferences and contactability', () => {
    it('answers every reason a customer cannot be contacted', async () => {
      const customer = await newCustomer();
      expect(await contactability(customer.id, 'marketing', 'email')).toMatchObject({
        allowed: false,
        reasons: ['no_consent'],
        consentPurpose: 'marketing_email',
      });
      await record(customer.id, [
        { purpose: 'marketing_email', decision: 'granted', textId: emailText.id },
        { purpose: 'marketing_sms', decision: 'withdrawn', textId: smsText.id },
        { purpose: 'commercial_info', decision: 'granted', textId: phoneText.id },
      ]);
      expect(await contactability(customer.id, 'marketing', 'email')).toMatchObject({
        allowed: true,
        reasons: [],
      });
      expect((await contactability(customer.id, 'marketing', 'sms')).reasons).toEqual([
        'consent_withdrawn',
      ]);
      expect((await contactability(customer.id, 'marketing', 'phone')).allowed).toBe(true);
      expect((await contactability(customer.id, 'service', 'sms')).allowed).toBe(true);

      const prefs = await fi.admin.expect<CommunicationPreferencesView>(
        200,
        'PATCH',
        `/api/v1/customers/${customer.id}/communication-preferences`,
        { serviceNotifications: false, preferredChannel: 'sms' },
      );
      expect(prefs).toMatchObject({
        serviceNotifications: false,
        preferredChannel: 'sms',
        version: 1,
      });
      expect(await contactability(customer.id, 'service', 'email')).toMatchObject({
        allowed: false,
        reasons: ['notifications_off'],
        preferredChannel: 'sms',
      });
      await fi.admin.expect(
        200,
        'PATCH',
        `/api/v1/customers/${customer.id}/communication-preferences`,
        { blocked: true },
        { 'if-match': '"1"' },
      );
      expect((await contactability(customer.id, 'marketing', 'email')).reasons).toEqual([
        'blocked',
      ]);
    });

    it('says no_address when the channel has nothing on file', async () => {
      const customer = await newCustomer({ email: null, phone: null });
      expect((await contactability(customer.id, 'service', 'email')).reasons).toEqual([
        'no_address',
      ]);
      expect((await contactability(customer.id, 'marketing', 'sms')).reasons).toEqual([
        'no_address',
        'no_consent',
      ]);
      // An address added later is learnt from the customer's update event.
      await fi.admin.expect(
        200,
        'PATCH',
        `/api/v1/customers/${customer.id}`,
        { email: 'later@example.test' },
        { 'if-match': '"1"' },
      );
      await eventuallyPasses(async () =>
        expect((await contactability(customer.id, 'service', 'email')).allowed).toBe(true),
      );
    });

    it('says text_outdated when the consent was given to an older text', async () => {
      const customer = await newCustomer();
      const v1 = await publish(fi.admin, 'marketing_sms', 'Tekstiviestit, versio A.');
      await record(customer.id, [{ purpose: 'marketing_sms', decision: 'granted', textId: v1.id }]);
      await publish(fi.admin, 'marketing_sms', 'Tekstiviestit, versio B.');
      expect((await contactability(customer.id, 'marketing', 'sms')).reasons).toEqual([
        'text_outdated',
      ]);
    });

    it('answers defaults before anything is set, and refuses bad preferences', async () => {
      const customer = await newCustomer();
      const read = await fi.worker.request<CommunicationPreferencesView>(
        'GET',
        `/api/v1/customers/${customer.id}/communication-preferences`,
      );
      expect(read.body).toMatchObject({
        blocked: false,
        preferredChannel: 'none',
        serviceNotifications: true,
        version: 0,
      });
      expect(read.headers.get('etag')).toBe('"0"');
      const path = `/api/v1/customers/${customer.id}/communication-preferences`;
      expectProblem(
        await fi.admin.request('PATCH', path, { preferredChannel: 'fax' }),
        422,
        'preferredChannel',
        'not_allowed',
      );
      expectProblem(
        await fi.admin.request('PATCH', path, { blocked: 'yes' }),
        422,
        'blocked',
        'invalid_type',
      );
      expectProblem(await fi.admin.request('PATCH', path, {}), 422, 'blocked', 'required_one_of');
      expectProblem(
        await fi.admin.request('PATCH', path, { blocked: true }, { 'if-match': '"7"' }),
        412,
      );
      // Never set, the preferences are at version 0: the ETag read, "0", is a current one.
      const first = await fi.admin.request<{ version: number }>(
        'PATCH',
        path,
        { serviceNotifications: false },
        { 'if-match': '"0"' },
      );
      expect([first.status, first.body.version]).toEqual([200, 1]);
      expectProblem(
        await fi.admin.request('PATCH', path, { blocked: true }, { 'if-match': 'seven' }),
        400,
        'If-Match',
      );
    });

    it.each([
      ['no purpose', 'channel=email', 'purpose', 'required'],
      ['no channel', 'purpose=marketing', 'channel', 'required'],
      ['an unknown channel', 'purpose=marketing&channel=fax', 'channel', 'not_allowed'],
      ['an unknown purpose', 'purpose=spam&channel=email', 'purpose', 'not_allowed'],
    ])('refuses a contactability question with %s', async (_what, query, field, reason) => {
      const customer = await newCustomer();
      expectProblem(
        await fi.admin.request('GET', `/api/v1/customers/${customer.id}/contactability?${query}`),
        422,
        field,
        reason,
      );
    });
  });

  describe('search by consent (customers service)', () => {
    it('filters customers by their current e-mail and SMS marketing consents', async () => {
      const make = async (name: string, email: string | null, sms: string | null) => {
        const decisions = [
          ...(email ? [{ purpose: 'marketing_email', decision: email, textId: emailText.id }] : []),
          ...(sms ? [{ purpose: 'marketing_sms', decision: sms, textId: smsText.id }] : []),
        ];
        return (
          await newCustomer({
            lastName: name,
            ...(decisions.length > 0 ? { consents: { decisions } } : {}),
          })
        ).id;
      };
      const both = await make('Kuluttajaboth', 'granted', 'granted');
      const emailOnly = await make('Kuluttajaemail', 'granted', 'withdrawn');
      const smsOnly = await make('Kuluttajasms', null, 'granted');
      const none = await make('Kuluttajanone', 'withdrawn', null);
      const found = async (filter: string) =>
        (
          await fi.admin.expect<{ items: CustomerView[] }>(
            200,
            'GET',
            `/api/v1/customers?q=kuluttaja&marketingConsent=${filter}`,
          )
        ).items
          .map((c) => c.id)
          .sort();
      const sorted = (...ids: string[]) => ids.sort();
      // Two hops of events (customer created → consents recorded → customers): allow for a
      // loaded machine.
      const hops = { timeoutMs: 20_000 };
      await eventuallyPasses(async () => expect(await found('both')).toEqual([both]), hops);
      await eventuallyPasses(
        async () => expect(await found('either')).toEqual(sorted(both, emailOnly, smsOnly)),
        hops,
      );
      expect(await found('neither')).toEqual([none]);
      expect(await found('email')).toEqual(sorted(both, emailOnly));
      expect(await found('sms')).toEqual(sorted(both, smsOnly));
      // A later withdrawal takes the customer out of the filter.
      await record(both, [{ purpose: 'marketing_sms', decision: 'withdrawn', textId: smsText.id }]);
      await eventuallyPasses(async () => expect(await found('both')).toEqual([]), hops);
      expect(await found('email')).toEqual(sorted(both, emailOnly));
      expectProblem(
        await fi.admin.request('GET', '/api/v1/customers?marketingConsent=all'),
        422,
        'marketingConsent',
        'not_allowed',
      );
    });
  });

  describe('tenancy and stations', () => {
    it('never lets another tenant read or write a customer’s consents', async () => {
      const customer = await newCustomer();
      await record(customer.id, [
        { purpose: 'marketing_email', decision: 'granted', textId: emailText.id },
      ]);
      const started = Date.now();
      const base = `/api/v1/customers/${customer.id}`;
      for (const [method, path, body] of [
        ['GET', `${base}/consents`, undefined],
        [
          'POST',
          `${base}/consents`,
          {
            decisions: [
              { purpose: 'marketing_email', decision: 'withdrawn', textId: emailText.id },
            ],
          },
        ],
        ['POST', `${base}/consents/refresh`, {}],
        ['GET', `${base}/communication-preferences`, undefined],
        ['PATCH', `${base}/communication-preferences`, { blocked: true }],
        ['GET', `${base}/contactability?purpose=marketing&channel=email`, undefined],
        ['GET', `/api/v1/consent-texts/${emailText.id}`, undefined],
      ] as const) {
        expectProblem(await pl.admin.request(method, path, body), 404);
      }
      // A just-made id another tenant owns waits like an unknown one: no answer tells them apart.
      expect(Date.now() - started).toBeGreaterThan(450);
      const texts = await pl.admin.expect<ConsentTextPage>(200, 'GET', '/api/v1/consent-texts');
      expect(texts.items).toEqual([]);
      // Nothing the Polish admin tried changed the Finnish ledger.
      const after = await consentsOf(customer.id, true);
      expect(after.history).toHaveLength(1);
      expect((await contactability(customer.id, 'marketing', 'email')).allowed).toBe(true);
    });

    it('refuses another tenant’s text in a decision', async () => {
      const plCustomer = await pl.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
        firstName: 'Jan',
        lastName: 'Testowy',
      });
      expectProblem(
        await pl.admin.request('POST', `/api/v1/customers/${plCustomer.id}/consents`, {
          decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: emailText.id }],
        }),
        422,
        'decisions.0.textId',
        'unknown_text',
      );
    });

    it('hides a customer of another station from a worker, and superadmins have no tenant', async () => {
      const customer = await newCustomer();
      await eventuallyPasses(async () =>
        expect(
          (await fi.worker.request('GET', `/api/v1/customers/${customer.id}/consents`)).status,
        ).toBe(200),
      );
      expectProblem(
        await fi.otherWorker.request('GET', `/api/v1/customers/${customer.id}/consents`),
        404,
      );
      expectProblem(await e2e.superadmin.request('GET', '/api/v1/consent-texts'), 403);
    });

    it('answers 404 at once for an unknown customer, after a short wait for a just-made id', async () => {
      let started = Date.now();
      expectProblem(
        await fi.admin.request(
          'GET',
          '/api/v1/customers/00000000-0000-4000-8000-00000000dead/consents',
        ),
        404,
      );
      expect(Date.now() - started).toBeLessThan(500);
      // A UUIDv7 of this very moment may be a customer whose created event is on its way.
      const now = Date.now().toString(16).padStart(12, '0');
      const fresh = `${now.slice(0, 8)}-${now.slice(8)}-7000-8000-000000000000`;
      started = Date.now();
      expectProblem(await fi.admin.request('GET', `/api/v1/customers/${fresh}/consents`), 404);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    });
  });
});
