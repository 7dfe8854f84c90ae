import type { CustomerPage, CustomerView, ProblemDetails } from '@kanta/contracts';
import { KantaApi } from '@kanta/local';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(120_000);

/*
 * Every piece of bad input gets a problem document naming the field and the reason, and
 * changes nothing. One table per endpoint; each row is one mistake a client can make.
 */
describe('bad input through the gateway (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let customer: CustomerView;

  beforeAll(async () => {
    e2e = await startE2eSystem('badinput');
    fi = await createTenant(e2e, 'bad-fi');
    pl = await createTenant(e2e, 'bad-pl', 'PL', 'pl');
    customer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Valid',
      lastName: 'Person',
      phone: '040 765 4321',
    });
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it.each([
    [
      'an unknown field',
      { firstName: 'A', lastName: 'B', shoeSize: 42 },
      'shoeSize',
      'unknown_field',
    ],
    ['a name that is not text', { firstName: 5, lastName: 'B' }, 'firstName', 'invalid_type'],
    ['a too long name', { firstName: 'x'.repeat(101), lastName: 'B' }, 'firstName', 'too_long'],
    ['an invalid e-mail', { firstName: 'A', lastName: 'B', email: 'nope' }, 'email', undefined],
    [
      'a phone that does not exist',
      { firstName: 'A', lastName: 'B', phone: '123' },
      'phone',
      undefined,
    ],
    ['an unknown kind', { kind: 'robot', firstName: 'A', lastName: 'B' }, 'kind', 'not_allowed'],
    [
      'an unknown origin',
      { origin: 'fax', firstName: 'A', lastName: 'B' },
      'origin',
      'not_allowed',
    ],
    [
      'an unknown status',
      { status: 'gone', firstName: 'A', lastName: 'B' },
      'status',
      'not_allowed',
    ],
    [
      'a customer number with spaces',
      { customerNumber: 'A 1', firstName: 'A', lastName: 'B' },
      'customerNumber',
      'invalid_format',
    ],
    [
      'a station id that is not a UUID',
      { stationIds: ['x'], firstName: 'A', lastName: 'B' },
      'stationIds',
      undefined,
    ],
    [
      'an address of an unknown type',
      { firstName: 'A', lastName: 'B', addresses: [{ type: 'moon' }] },
      'addresses.0.type',
      'not_allowed',
    ],
    [
      'the same external id twice',
      {
        firstName: 'A',
        lastName: 'B',
        externalIds: [
          { system: 'dms', id: 'X1' },
          { system: 'dms', id: 'X1' },
        ],
      },
      'externalIds.1.id',
      'duplicate',
    ],
  ])('refuses a create with %s', async (_what, body, field, reason) => {
    const response = await fi.admin.request<ProblemDetails>('POST', '/api/v1/customers', body);
    expectProblem(response, 422, field, reason);
  });

  it('refuses Idempotency-Keys that are empty or have spaces, naming the header', async () => {
    for (const key of ['', 'has space']) {
      const response = await fi.admin.request(
        'POST',
        '/api/v1/customers',
        { firstName: 'A', lastName: 'B' },
        { 'idempotency-key': key },
      );
      expectProblem(response, 422, 'Idempotency-Key');
    }
  });

  it('generates a number for a create that sends customerNumber null', async () => {
    const first = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'N',
      lastName: 'Null',
      customerNumber: null,
    });
    const second = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'N',
      lastName: 'Null2',
      customerNumber: null,
    });
    expect(first.customerNumber).toMatch(/^\d+$/);
    expect(second.customerNumber).not.toBe(first.customerNumber);
  });

  it.each([
    ['a week date', 'createdFrom=2009-W01-1', 'createdFrom'],
    ['an ordinal date', 'createdTo=2009-123', 'createdTo'],
    ['a date-time without a zone', 'createdFrom=2026-01-01T10:00:00', 'createdFrom'],
    ['a month that does not exist', 'createdFrom=2026-13-01', 'createdFrom'],
    ['includePassive that is not true or false', 'includePassive=yes', 'includePassive'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit of 101', 'limit=101', 'limit'],
    ['a limit that is not a number', 'limit=abc', 'limit'],
    ['a station id that is not a UUID', 'stationIds=abc', 'stationIds'],
  ])('refuses a search with %s', async (_what, query, field) => {
    const response = await fi.admin.request('GET', `/api/v1/customers?${query}`);
    expectProblem(response, 422, field);
  });

  it('accepts station ids in upper case like any other', async () => {
    const upper = fi.stationIds[0].toUpperCase();
    const created = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Iso',
      lastName: 'Kirjain',
      stationIds: [upper],
    });
    expect(created.stationIds).toEqual([fi.stationIds[0]]);
    const found = await fi.worker.expect<CustomerPage>(
      200,
      'GET',
      `/api/v1/customers?q=kirjain&stationIds=${upper}`,
    );
    expect(found.items.map((c) => c.id)).toEqual([created.id]);
  });

  it.each([
    ['an invalid phone', { phone: '123' }, 'phone'],
    ['an unknown field', { shoeSize: 1 }, 'shoeSize'],
    ['kind cleared', { kind: null }, 'kind'],
  ])('refuses an edit with %s and keeps the customer as it was', async (_what, patch, field) => {
    const response = await fi.admin.request('PATCH', `/api/v1/customers/${customer.id}`, patch, {
      'if-match': `"${customer.version}"`,
    });
    expectProblem(response, 422, field);
    const after = await fi.admin.expect<CustomerView>(
      200,
      'GET',
      `/api/v1/customers/${customer.id}`,
    );
    expect(after).toEqual(customer);
  });

  it.each([['*'], ['"1", "2"'], ['"99999999999"']])(
    'refuses If-Match %s with a 400 naming the header',
    async (ifMatch) => {
      const response = await fi.admin.request(
        'PATCH',
        `/api/v1/customers/${customer.id}`,
        { notes: 'x' },
        { 'if-match': ifMatch },
      );
      expectProblem(response, 400, 'If-Match');
    },
  );

  it('answers If-Match "0", a version no customer is ever at, with 412 naming no internal field', async () => {
    const response = await fi.admin.request(
      'PATCH',
      `/api/v1/customers/${customer.id}`,
      { notes: 'x' },
      { 'if-match': '"0"' },
    );
    expectProblem(response, 412);
    expect(JSON.stringify(response.body)).not.toMatch(/expectedVersion/);
  });

  it('refuses an edit whose body is not an object', async () => {
    const response = await fi.admin.request('PATCH', `/api/v1/customers/${customer.id}`, '[1,2]', {
      'if-match': `"${customer.version}"`,
    });
    expect([400, 422]).toContain(response.status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it.each([
    [
      'an unknown rule field',
      {
        person: { required: ['shoeSize'], atLeastOneOf: [] },
        company: { required: [], atLeastOneOf: [] },
      },
      'person.required',
    ],
    [
      'a group of one field',
      {
        person: { required: [], atLeastOneOf: [['phone']] },
        company: { required: [], atLeastOneOf: [] },
      },
      'person.atLeastOneOf',
    ],
    ['no company rules', { person: { required: [], atLeastOneOf: [] } }, 'company'],
    [
      'rules that are not lists',
      {
        person: { required: 'firstName', atLeastOneOf: [] },
        company: { required: [], atLeastOneOf: [] },
      },
      'person.required',
    ],
  ])('refuses field rules with %s', async (_what, rules, field) => {
    const response = await fi.admin.request('PUT', '/api/v1/customer-field-rules', rules);
    expectProblem(response, 422, field);
  });

  it('keeps one tenant’s field rules out of another’s reach', async () => {
    await pl.admin.expect(200, 'PUT', '/api/v1/customer-field-rules', {
      person: { required: ['firstName', 'lastName', 'email'], atLeastOneOf: [] },
      company: { required: ['companyName'], atLeastOneOf: [] },
    });
    const fiRules = await fi.admin.expect<{ person: { required: string[] } }>(
      200,
      'GET',
      '/api/v1/customer-field-rules',
    );
    expect(fiRules.person.required).not.toContain('email');
    await fi.admin.expect(201, 'POST', '/api/v1/customers', {
      firstName: 'Ei',
      lastName: 'Sähköpostia',
    });
    const plRefused = await pl.admin.request('POST', '/api/v1/customers', {
      firstName: 'Jan',
      lastName: 'Bez',
    });
    expectProblem(plRefused, 422, 'email');
  });

  it('lets a worker keep a colleague’s station on a shared customer, but not take it away', async () => {
    const shared = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Jaettu',
      lastName: 'Asiakas',
      stationIds: fi.stationIds,
    });
    const kept = await fi.worker.request<CustomerView>(
      'PATCH',
      `/api/v1/customers/${shared.id}`,
      { notes: 'ok', stationIds: fi.stationIds },
      { 'if-match': '"1"' },
    );
    expect(kept.status).toBe(200);
    const removed = await fi.worker.request(
      'PATCH',
      `/api/v1/customers/${shared.id}`,
      { stationIds: [fi.stationIds[0]] },
      { 'if-match': `"${kept.body.version}"` },
    );
    expectProblem(removed, 422, 'stationIds', 'not_your_station');
  });

  it('does not replay a create to a worker who cannot see the customer it made', async () => {
    const body = { firstName: 'Toisen', lastName: 'Aseman', stationIds: [fi.stationIds[1]] };
    await fi.admin.expect(201, 'POST', '/api/v1/customers', body, {
      'idempotency-key': 'shared-key-1',
    });
    const replay = await fi.worker.request('POST', '/api/v1/customers', body, {
      'idempotency-key': 'shared-key-1',
    });
    expect(replay.status).toBe(422);
    expect(JSON.stringify(replay.body)).not.toContain('Toisen');
  });

  /*
   * Inputs a fuzzer driven by the OpenAPI document found answered with 500s (control characters,
   * deep nesting, exponent-form decimals, explicit nulls): each is a 422 naming the field and the
   * reason, on every endpoint it was found on, and nothing is written.
   */
  describe('inputs that used to be 500s', () => {
    const NUL = '\u0000';
    const BELL = '\u0007';
    const ESC = '\u001b';
    const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
    let partnerKey: string;
    const line = {
      kind: 'service',
      name: 'Katsastus',
      quantity: 1,
      unitPriceMinor: 5990,
      vatRate: 25.5,
      totalMinor: 5990,
    };
    const sale = (over: Record<string, unknown>) => ({
      receiptNumber: `R-${Math.random().toString(36).slice(2, 10)}`,
      soldAt: '2026-03-01T10:00:00Z',
      currency: 'EUR',
      lines: [{ ...line, ...over }],
      totalMinor: 5990,
    });
    const booking = (customer: Record<string, unknown>) => ({
      type: 'partner.booking.created.v1',
      payload: {
        bookingId: `B-${Math.random().toString(36).slice(2, 10)}`,
        stationId: fi.stationIds[0],
        scheduledAt: '2026-12-01T09:00:00Z',
        channel: 'online_booking',
        customer: { firstName: 'Verkko', lastName: 'Varaaja', ...customer },
      },
    });

    beforeAll(async () => {
      partnerKey = (
        await fi.admin.expect<{ key: string }>(201, 'POST', '/api/v1/partner-keys', {
          partner: 'fuzz-portal',
        })
      ).key;
    });

    type Row = [
      string,
      () => Promise<{ status: number; headers: Headers; body: unknown }>,
      string,
      string,
    ];
    const rows = (): Row[] => [
      [
        'a NUL in the search words',
        () => fi.worker.request('GET', '/api/v1/customers?q=a%00b'),
        'q',
        'control_character',
      ],
      [
        'a NUL in a first name',
        () =>
          fi.admin.request('POST', '/api/v1/customers', { firstName: `a${NUL}b`, lastName: 'B' }),
        'firstName',
        'control_character',
      ],
      [
        'a bell in a last name',
        () =>
          fi.admin.request('POST', '/api/v1/customers', { firstName: 'A', lastName: `B${BELL}` }),
        'lastName',
        'control_character',
      ],
      [
        'an escape in a company name',
        () =>
          fi.admin.request('POST', '/api/v1/customers', {
            kind: 'company',
            companyName: `${ESC}[31mRed Oy`,
          }),
        'companyName',
        'control_character',
      ],
      [
        'a line break in a first name',
        () =>
          fi.admin.request('POST', '/api/v1/customers', { firstName: 'Two\nLines', lastName: 'B' }),
        'firstName',
        'control_character',
      ],
      [
        'a NUL in notes',
        () =>
          fi.admin.request('POST', '/api/v1/customers', {
            firstName: 'A',
            lastName: 'B',
            notes: `x${NUL}`,
          }),
        'notes',
        'control_character',
      ],
      [
        'a NUL in an address',
        () =>
          fi.admin.request('POST', '/api/v1/customers', {
            firstName: 'A',
            lastName: 'B',
            addresses: [{ type: 'home', street: `Tie${NUL}` }],
          }),
        'addresses.0.street',
        'control_character',
      ],
      [
        'an escape in an edit',
        () =>
          fi.admin.request(
            'PATCH',
            `/api/v1/customers/${customer.id}`,
            { firstName: `x${ESC}` },
            { 'if-match': `"${customer.version}"` },
          ),
        'firstName',
        'control_character',
      ],
      [
        '1e-7 as discountPercent',
        () =>
          fi.admin.request('POST', '/api/v1/customers', {
            firstName: 'A',
            lastName: 'B',
            discountPercent: 1e-7,
          }),
        'discountPercent',
        'invalid_type',
      ],
      [
        '5e-324 as discountPercent',
        () =>
          fi.admin.request(
            'PATCH',
            `/api/v1/customers/${customer.id}`,
            { discountPercent: 5e-324 },
            { 'if-match': `"${customer.version}"` },
          ),
        'discountPercent',
        'invalid_type',
      ],
      [
        '1e-7 as a sale quantity',
        () => fi.worker.request('POST', '/api/v1/sales', sale({ quantity: 1e-7 })),
        'lines.0.quantity',
        'invalid_type',
      ],
      [
        '5e-324 as a VAT rate',
        () => fi.worker.request('POST', '/api/v1/sales', sale({ vatRate: 5e-324 })),
        'lines.0.vatRate',
        'invalid_type',
      ],
      [
        'a bell in a sale line name',
        () => fi.worker.request('POST', '/api/v1/sales', sale({ name: `Ding${BELL}` })),
        'lines.0.name',
        'control_character',
      ],
      [
        'a NUL in a group name',
        () => fi.admin.request('POST', '/api/v1/customer-groups', { name: `G${NUL}` }),
        'name',
        'control_character',
      ],
      [
        'a bell in a source name',
        () => fi.admin.request('POST', '/api/v1/customer-sources', { name: `S${BELL}` }),
        'name',
        'control_character',
      ],
      [
        'a NUL in a station name',
        () => fi.admin.request('POST', '/api/v1/stations', { name: `St${NUL}` }),
        'name',
        'control_character',
      ],
      [
        'a station name of null',
        () => fi.admin.request('PATCH', `/api/v1/stations/${fi.stationIds[0]}`, { name: null }),
        'name',
        'null_not_allowed',
      ],
      [
        'a tenant name of null',
        () => e2e.superadmin.request('PATCH', `/api/v1/tenants/${fi.tenantId}`, { name: null }),
        'name',
        'null_not_allowed',
      ],
      [
        'a tenant locale of null',
        () => e2e.superadmin.request('PATCH', `/api/v1/tenants/${fi.tenantId}`, { locale: null }),
        'locale',
        'null_not_allowed',
      ],
      [
        'an escape in a tenant name',
        () =>
          e2e.superadmin.request('PATCH', `/api/v1/tenants/${fi.tenantId}`, { name: `T${ESC}` }),
        'name',
        'control_character',
      ],
      [
        'a user’s stations of null',
        () =>
          fi.admin
            .request('GET', '/api/v1/users')
            .then(async (users) =>
              fi.admin.request(
                'PATCH',
                `/api/v1/users/${(users.body as { items: { id: string; role: string }[] }).items.find((u) => u.role === 'worker')!.id}`,
                { stationIds: null },
              ),
            ),
        'stationIds',
        'null_not_allowed',
      ],
      [
        'a consent text title of null',
        () =>
          fi.admin.request('POST', '/api/v1/consent-texts', {
            purpose: 'marketing_email',
            locale: 'fi',
            title: null,
            body: 'Saako lähettää?',
          }),
        'title',
        'null_not_allowed',
      ],
      [
        'a NUL in a reminder comment',
        () =>
          fi.worker.request('POST', `/api/v1/customers/${customer.id}/reminders`, {
            dueAt: '2027-12-01T09:00',
            comment: `x${NUL}`,
          }),
        'comment',
        'control_character',
      ],
      [
        'JSON 3,000 deep in a create',
        () => fi.admin.request('POST', '/api/v1/customers', `{"firstName":${deepArray(3000)}}`),
        Array(32).fill(0).join('.').replace(/^0/, 'firstName'),
        'too_deep',
      ],
      [
        'JSON 2,000 deep at login, anonymously',
        () => e2e.api.request('POST', '/api/v1/auth/login', deepArray(2000)),
        Array(32).fill('0').join('.'),
        'too_deep',
      ],
      [
        'JSON 3,000 deep in a partner event',
        () =>
          new KantaApi(e2e.system.gatewayUrl).request(
            'POST',
            '/api/v1/partner/events',
            `{"type":"partner.booking.created.v1","payload":${deepArray(3000)}}`,
            { 'x-api-key': partnerKey },
          ),
        `payload.${Array(31).fill('0').join('.')}`,
        'too_deep',
      ],
      [
        'a NUL in a partner event’s customer',
        () =>
          new KantaApi(e2e.system.gatewayUrl).request(
            'POST',
            '/api/v1/partner/events',
            booking({ firstName: `V${NUL}` }),
            { 'x-api-key': partnerKey },
          ),
        'payload.customer.firstName',
        'control_character',
      ],
    ];

    it.each(rows().map((row, i) => [row[0], i] as const))('refuses %s', async (_what, index) => {
      const [, send, field, reason] = rows()[index];
      const response = await send();
      expectProblem(response, 422, field, reason);
      const errors = (response.body as ProblemDetails).errors ?? [];
      expect(errors.find((error) => error.field === field)?.message).toContain(field.split('.')[0]);
    });

    it('changed nothing on the way', async () => {
      expect(
        await fi.admin.expect<CustomerView>(200, 'GET', `/api/v1/customers/${customer.id}`),
      ).toEqual(customer);
      const stations = await fi.admin.expect<{ items: { name: string }[] }>(
        200,
        'GET',
        '/api/v1/stations',
      );
      expect(stations.items.map((station) => station.name).sort()).toEqual([
        'North bad-fi',
        'South bad-fi',
      ]);
      const me = await fi.worker.expect<{ stations: unknown[] }>(200, 'GET', '/api/v1/me');
      expect(me.stations).toHaveLength(1);
    });

    it('keeps line breaks and tabs in prose, and null where it clears a field', async () => {
      const made = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
        firstName: 'Proosa',
        lastName: 'Kirjoittaja',
        email: 'proosa@example.test',
        notes: 'Rivi yksi\r\nRivi\tkaksi',
      });
      expect(made.notes).toBe('Rivi yksi\r\nRivi\tkaksi');
      const cleared = await fi.admin.expect<CustomerView>(
        200,
        'PATCH',
        `/api/v1/customers/${made.id}`,
        { email: null, notes: null },
        { 'if-match': `"${made.version}"` },
      );
      expect(cleared).toMatchObject({ email: null, notes: null });
    });

    it('says what is wrong with a foreign number instead of blaming the tenant country', async () => {
      const response = await fi.admin.request<ProblemDetails>('POST', '/api/v1/customers', {
        firstName: 'A',
        lastName: 'B',
        phone: '+33 1',
      });
      expectProblem(response, 422, 'phone', 'invalid_phone');
      expect(response.body.errors?.[0].message).toBe(
        'phone is too short for a phone number of +33 (FR)',
      );
    });
  });
});
