import type {
  CustomerLabelPage,
  CustomerLabelView,
  CustomerPage,
  CustomerView,
} from '@kanta/contracts';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(120_000);

/*
 * The complete customer card through the gateway: each new field's validation as problem+json,
 * groups and sources, masking by role, filters, and what another tenant can never reach.
 */
describe('the customer card (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let fiWorkerId: string;
  let plAdminId: string;

  beforeAll(async () => {
    e2e = await startE2eSystem('card');
    fi = await createTenant(e2e, 'card-fi');
    pl = await createTenant(e2e, 'card-pl', 'PL', 'pl');
    const me = async (api: TenantFixture['admin']) =>
      (await api.expect<{ user: { id: string } }>(200, 'GET', '/api/v1/me')).user.id;
    fiWorkerId = await me(fi.worker);
    plAdminId = await me(pl.admin);
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const person = { firstName: 'Kortti', lastName: 'Testi' };

  it.each([
    [
      'a discount with three decimals',
      { discountPercent: 12.345 },
      'discountPercent',
      'invalid_type',
    ],
    ['a negative discount', { discountPercent: -1 }, 'discountPercent', 'too_small'],
    ['a discount over 100', { discountPercent: 100.01 }, 'discountPercent', 'too_large'],
    ['a discount as text', { discountPercent: '10' }, 'discountPercent', 'invalid_type'],
    ['a name day month 13', { nameDay: { month: 13, day: 1 } }, 'nameDay.month', 'too_large'],
    ['a name day without a day', { nameDay: { month: 1 } }, 'nameDay.day', 'required'],
    ['a name day that is text', { nameDay: '24.12.' }, 'nameDay', 'invalid_type'],
    ['a name day 31 April', { nameDay: { month: 4, day: 31 } }, 'nameDay.day', 'invalid_date'],
    ['a birthday in another format', { birthday: '17.05.1980' }, 'birthday', 'invalid_format'],
    ['a birthday that is no date', { birthday: '1980-02-30' }, 'birthday', 'invalid_format'],
    ['a birthday in the future', { birthday: '2999-01-01' }, 'birthday', 'in_the_future'],
    [
      'a document of an unknown type',
      { documents: [{ type: 'driving_licence', number: 'A1' }] },
      'documents.0.type',
      'not_allowed',
    ],
    [
      'a document number with spaces',
      { documents: [{ type: 'passport', number: 'A 1' }] },
      'documents.0.number',
      'invalid_format',
    ],
    [
      'a document without a number',
      { documents: [{ type: 'passport' }] },
      'documents.0.number',
      'required',
    ],
    [
      'two passports',
      {
        documents: [
          { type: 'passport', number: 'A1' },
          { type: 'passport', number: 'A2' },
        ],
      },
      'documents.1.type',
      'duplicate',
    ],
    ['a group id that is not a UUID', { groupIds: ['vip'] }, 'groupIds', 'invalid_format'],
    [
      'a group that does not exist',
      { groupIds: ['00000000-0000-4000-8000-000000000001'] },
      'groupIds',
      'unknown_group',
    ],
    ['a source id that is not a UUID', { sourceId: 'radio' }, 'sourceId', 'invalid_format'],
    [
      'a regular-of that is not a UUID',
      { regularOfUserId: 'me' },
      'regularOfUserId',
      'invalid_format',
    ],
    [
      'a regular-of user that does not exist',
      { regularOfUserId: '00000000-0000-4000-8000-000000000002' },
      'regularOfUserId',
      'unknown_user',
    ],
    ['internal as text', { internal: 'yes' }, 'internal', 'invalid_type'],
    ['a leasing person', { leasingCompany: true }, 'leasingCompany', 'company_only'],
    ['a too long description', { description: 'x'.repeat(4001) }, 'description', 'too_long'],
  ])('refuses a create with %s', async (_what, fields, field, reason) => {
    const response = await fi.admin.request('POST', '/api/v1/customers', { ...person, ...fields });
    expectProblem(response, 422, field, reason);
  });

  it('refuses a regular-of user of another tenant', async () => {
    const response = await fi.admin.request('POST', '/api/v1/customers', {
      ...person,
      regularOfUserId: plAdminId,
    });
    expectProblem(response, 422, 'regularOfUserId', 'unknown_user');
  });

  it.each([
    ['groupIds=vip', 'groupIds'],
    ['sourceId=radio', 'sourceId'],
    ['regularOf=bob', 'regularOf'],
    ['leasingCompany=maybe', 'leasingCompany'],
    ['internal=1', 'internal'],
    ['externalId=no-colon', 'externalId'],
  ])('refuses a search with %s', async (query, field) => {
    expectProblem(await fi.admin.request('GET', `/api/v1/customers?${query}`), 422, field);
  });

  it('keeps the whole card through create, read and patch', async () => {
    const group = await fi.admin.expect<CustomerLabelView>(201, 'POST', '/api/v1/customer-groups', {
      name: 'Card regulars',
    });
    const source = await fi.admin.expect<CustomerLabelView>(
      201,
      'POST',
      '/api/v1/customer-sources',
      { name: 'Card web' },
    );
    const created = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      ...person,
      groupIds: [group.id.toUpperCase()],
      sourceId: source.id,
      regularOfUserId: fiWorkerId,
      discountPercent: 15,
      nameDay: { month: 6, day: 24 },
      birthday: '1988-08-08',
      documents: [{ type: 'id_card', series: 'FI', number: '123456789' }],
      description: 'Kortin kuvaus',
      stationIds: [fi.stationIds[0]],
    });
    expect(created).toMatchObject({
      groupIds: [group.id],
      sourceId: source.id,
      regularOfUserId: fiWorkerId,
      discountPercent: 15,
      birthday: '1988-08-08',
      sensitiveMasked: false,
    });
    const patched = await fi.admin.expect<CustomerView>(
      200,
      'PATCH',
      `/api/v1/customers/${created.id}`,
      { discountPercent: 20.5, groupIds: [] },
      { 'if-match': '"1"' },
    );
    expect(patched).toMatchObject({ discountPercent: 20.5, groupIds: [], version: 2 });

    // The worker at the customer's station sees the card with sensitive fields masked.
    const seen = await fi.worker.expect<CustomerView>(
      200,
      'GET',
      `/api/v1/customers/${created.id}`,
    );
    expect(seen).toMatchObject({
      birthday: '****-**-**',
      documents: [{ type: 'id_card', series: '**', number: '*******89' }],
      sensitiveMasked: true,
    });
    const mine = await fi.worker.expect<CustomerPage>(200, 'GET', '/api/v1/customers?regularOf=me');
    expect(mine.items.map((c) => c.id)).toEqual([created.id]);

    // Nothing sensitive reached any service's log.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logs = e2e.logs.join('\n');
    expect(logs).not.toContain('1988-08-08');
    expect(logs).not.toContain('123456789');
  });

  it('manages groups: create, list with counts, rename, delete releasing members', async () => {
    const group = await fi.admin.expect<CustomerLabelView>(201, 'POST', '/api/v1/customer-groups', {
      name: 'Allergic',
    });
    const member = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      ...person,
      groupIds: [group.id],
    });
    const list = await fi.worker.expect<CustomerLabelPage>(
      200,
      'GET',
      '/api/v1/customer-groups?withCounts=true',
    );
    expect(list.items).toContainEqual(
      expect.objectContaining({ id: group.id, name: 'Allergic', customerCount: 1 }),
    );
    const renamed = await fi.admin.expect<CustomerLabelView>(
      200,
      'PATCH',
      `/api/v1/customer-groups/${group.id}`,
      { name: 'Allergies' },
    );
    expect(renamed.name).toBe('Allergies');
    expect(await fi.admin.expect(200, 'DELETE', `/api/v1/customer-groups/${group.id}`)).toEqual({
      released: 1,
    });
    const after = await fi.admin.expect<CustomerView>(200, 'GET', `/api/v1/customers/${member.id}`);
    expect(after).toMatchObject({ groupIds: [], version: 2 });
  });

  it('assigns and unassigns one group on a customer without a full patch', async () => {
    const group = await fi.admin.expect<CustomerLabelView>(201, 'POST', '/api/v1/customer-groups', {
      name: 'Assigned one by one',
    });
    const customer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Ryhmä',
      lastName: 'Jäsen',
      stationIds: [fi.stationIds[0]],
    });
    const path = `/api/v1/customers/${customer.id}/groups/${group.id}`;
    const assigned = await fi.worker.request<CustomerView>('PUT', path);
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ groupIds: [group.id], version: 2 });
    expect(assigned.headers.get('etag')).toBe('"2"');
    // Again: already a member, nothing changes.
    expect(await fi.worker.expect<CustomerView>(200, 'PUT', path)).toMatchObject({ version: 2 });
    expect(await fi.worker.expect<CustomerView>(200, 'DELETE', path)).toMatchObject({
      groupIds: [],
      version: 3,
    });
    expect(await fi.worker.expect<CustomerView>(200, 'DELETE', path)).toMatchObject({ version: 3 });

    expectProblem(
      await fi.admin.request(
        'PUT',
        `/api/v1/customers/${customer.id}/groups/00000000-0000-4000-8000-000000000009`,
      ),
      422,
      'groupIds',
      'unknown_group',
    );
    expectProblem(
      await fi.admin.request('PUT', `/api/v1/customers/${customer.id}/groups/vip`),
      404,
    );
    // Another station's worker cannot see the customer; another tenant neither.
    expectProblem(await fi.otherWorker.request('PUT', path), 404);
    expectProblem(await pl.admin.request('PUT', path), 404);
    expectProblem(await pl.admin.request('DELETE', path), 404);
  });

  it.each([
    ['a blank name', { name: '   ' }, 'name', 'invalid_format'],
    ['no name', {}, 'name', 'required'],
    ['a too long name', { name: 'x'.repeat(101) }, 'name', 'too_long'],
    ['an unknown field', { name: 'A', colour: 'red' }, 'colour', 'unknown_field'],
  ])('refuses a group with %s', async (_what, body, field, reason) => {
    expectProblem(
      await fi.admin.request('POST', '/api/v1/customer-groups', body),
      422,
      field,
      reason,
    );
  });

  it('answers a taken name with 409 and bad query values with 422', async () => {
    await fi.admin.expect(201, 'POST', '/api/v1/customer-sources', { name: 'Newspaper' });
    expectProblem(
      await fi.admin.request('POST', '/api/v1/customer-sources', { name: 'NEWSPAPER' }),
      409,
      'name',
      'taken',
    );
    expectProblem(
      await fi.admin.request('GET', '/api/v1/customer-sources?withCounts=yes'),
      422,
      'withCounts',
    );
    expectProblem(
      await fi.admin.request('PATCH', '/api/v1/customer-groups/not-an-id', { name: 'X' }),
      404,
    );
  });

  it('lets only admins change groups and sources', async () => {
    const source = await fi.admin.expect<CustomerLabelView>(
      201,
      'POST',
      '/api/v1/customer-sources',
      {
        name: 'Walk-in',
      },
    );
    for (const [method, path, body] of [
      ['POST', '/api/v1/customer-groups', { name: 'Worker group' }],
      ['PATCH', `/api/v1/customer-sources/${source.id}`, { name: 'Renamed' }],
      ['DELETE', `/api/v1/customer-sources/${source.id}`, undefined],
    ] as const) {
      expectProblem(await fi.worker.request(method, path, body), 403);
    }
  });

  it('keeps every tenant’s groups and sources its own', async () => {
    const group = await fi.admin.expect<CustomerLabelView>(201, 'POST', '/api/v1/customer-groups', {
      name: 'Finnish only',
    });
    const source = await fi.admin.expect<CustomerLabelView>(
      201,
      'POST',
      '/api/v1/customer-sources',
      {
        name: 'Finnish only',
      },
    );
    for (const [list, id] of [
      ['customer-groups', group.id],
      ['customer-sources', source.id],
    ]) {
      const seen = await pl.admin.expect<CustomerLabelPage>(200, 'GET', `/api/v1/${list}`);
      expect(seen.items.map((l) => l.id)).not.toContain(id);
      expectProblem(
        await pl.admin.request('PATCH', `/api/v1/${list}/${id}`, { name: 'Mine' }),
        404,
      );
      expectProblem(await pl.admin.request('DELETE', `/api/v1/${list}/${id}`), 404);
    }
    expectProblem(
      await pl.admin.request('POST', '/api/v1/customers', {
        firstName: 'Jan',
        lastName: 'Testowy',
        groupIds: [group.id],
        sourceId: source.id,
      }),
      422,
      'groupIds',
      'unknown_group',
    );
    const filtered = await pl.admin.expect<CustomerPage>(
      200,
      'GET',
      `/api/v1/customers?groupIds=${group.id}&includePassive=true`,
    );
    expect(filtered.items).toEqual([]);
    expect((await e2e.superadmin.request('GET', '/api/v1/customer-groups')).status).toBe(403);
  });
});
