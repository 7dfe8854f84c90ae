import type { CustomerPage, CustomerView, ProblemDetails } from '@kanta/contracts';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

jest.setTimeout(120_000);

describe('customers through the gateway (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;

  beforeAll(async () => {
    e2e = await startE2eSystem('customers');
    fi = await createTenant(e2e, 'e2e-fi');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('creates a customer with a normalised phone, a lower-cased e-mail and a customer number', async () => {
    const response = await fi.worker.request<CustomerView>('POST', '/api/v1/customers', {
      firstName: 'Liisa',
      lastName: 'Mäkinen',
      phone: '040 123 4567',
      email: 'Liisa.Makinen@Example.TEST',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      firstName: 'Liisa',
      lastName: 'Mäkinen',
      phone: '+358401234567',
      phoneRaw: '040 123 4567',
      email: 'liisa.makinen@example.test',
      status: 'active',
      origin: 'reception',
      stationIds: [fi.stationIds[0]],
      version: 1,
    });
    expect(response.body.customerNumber).toMatch(/^\d+$/);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.get('location')).toBe(`/api/v1/customers/${response.body.id}`);
  });

  it('reads, edits with If-Match, and refuses a stale or missing version', async () => {
    const created = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Juha',
      lastName: 'Korhonen',
    });
    const read = await fi.admin.request<CustomerView>('GET', `/api/v1/customers/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');

    const edited = await fi.admin.request<CustomerView>(
      'PATCH',
      `/api/v1/customers/${created.id}`,
      { email: 'juha@example.test', notes: 'prefers mornings' },
      { 'if-match': '"1"' },
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ email: 'juha@example.test', version: 2 });
    expect(edited.headers.get('etag')).toBe('"2"');

    const stale = await fi.admin.request<ProblemDetails>(
      'PATCH',
      `/api/v1/customers/${created.id}`,
      { notes: 'lost update' },
      { 'if-match': '"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');

    const missing = await fi.admin.request<ProblemDetails>(
      'PATCH',
      `/api/v1/customers/${created.id}`,
      { notes: 'no version' },
    );
    expect(missing.status).toBe(428);

    const after = await fi.admin.expect<CustomerView>(
      200,
      'GET',
      `/api/v1/customers/${created.id}`,
    );
    expect(after.notes).toBe('prefers mornings');
  });

  it('answers a repeated Idempotency-Key with the first customer, not a second one', async () => {
    const body = { firstName: 'Aino', lastName: 'Idempotent', phone: '0401112222' };
    const key = { 'idempotency-key': 'e2e-key-1' };
    const first = await fi.admin.request<CustomerView>('POST', '/api/v1/customers', body, key);
    const again = await fi.admin.request<CustomerView>('POST', '/api/v1/customers', body, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const found = await fi.admin.expect<CustomerPage>(200, 'GET', '/api/v1/customers?q=idempotent');
    expect(found.items).toHaveLength(1);
  });

  it('names every field that fails the edge checks in one 422 problem and stores nothing', async () => {
    // (The phone is checked by the service, after these; bad-input.e2e-spec.ts covers it.)
    const response = await fi.admin.request<ProblemDetails>('POST', '/api/v1/customers', {
      firstName: 'Bad',
      email: 'not-an-email',
      shoeSize: 42,
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const fields = (response.body.errors ?? []).map((e) => e.field).sort();
    expect(fields).toEqual(expect.arrayContaining(['email', 'shoeSize']));
    const found = await fi.admin.expect<CustomerPage>(200, 'GET', '/api/v1/customers?q=bad');
    expect(found.items).toHaveLength(0);
  });

  it('applies the tenant field rules: name plus at least a phone or an e-mail', async () => {
    await fi.admin.expect(200, 'PUT', '/api/v1/customer-field-rules', {
      person: { required: ['firstName', 'lastName'], atLeastOneOf: [['phone', 'email']] },
      company: { required: ['companyName'], atLeastOneOf: [] },
    });
    const refused = await fi.admin.request<ProblemDetails>('POST', '/api/v1/customers', {
      firstName: 'No',
      lastName: 'Contact',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors?.map((e) => e.field)).toEqual(
      expect.arrayContaining(['phone', 'email']),
    );
    await fi.admin.expect(201, 'POST', '/api/v1/customers', {
      firstName: 'Has',
      lastName: 'Contact',
      email: 'has.contact@example.test',
    });
    const workerTries = await fi.worker.request('PUT', '/api/v1/customer-field-rules', {
      person: { required: [], atLeastOneOf: [] },
      company: { required: [], atLeastOneOf: [] },
    });
    expect(workerTries.status).toBe(403);
    await fi.admin.expect(200, 'PUT', '/api/v1/customer-field-rules', {
      person: { required: ['firstName', 'lastName'], atLeastOneOf: [] },
      company: { required: ['companyName'], atLeastOneOf: [] },
    });
  });

  it('finds customers accent-insensitively and by a phone typed any common way', async () => {
    const created = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Pekka',
      lastName: 'Hämäläinen',
      phone: '+358 50 765 4321',
      stationIds: [fi.stationIds[0]],
    });
    for (const q of [
      'hamalainen',
      'HÄMÄLÄINEN pekka',
      '050 765 4321',
      '+358507654321',
      '0507654321',
    ]) {
      const page = await fi.admin.expect<CustomerPage>(
        200,
        'GET',
        `/api/v1/customers?q=${encodeURIComponent(q)}`,
      );
      expect(page.items.map((c) => c.id)).toContain(created.id);
    }
    const none = await fi.admin.expect<CustomerPage>(
      200,
      'GET',
      '/api/v1/customers?q=hamalainen+liisa',
    );
    expect(none.items.map((c) => c.id)).not.toContain(created.id);
  });

  it('hides passive customers unless asked, and pages with a cursor without repeats', async () => {
    const passive = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Paavo',
      lastName: 'Passiivinen',
      status: 'passive',
    });
    const hidden = await fi.admin.expect<CustomerPage>(
      200,
      'GET',
      '/api/v1/customers?q=passiivinen',
    );
    expect(hidden.items).toHaveLength(0);
    const shown = await fi.admin.expect<CustomerPage>(
      200,
      'GET',
      '/api/v1/customers?q=passiivinen&includePassive=true',
    );
    expect(shown.items.map((c) => c.id)).toEqual([passive.id]);

    for (let i = 0; i < 7; i++) {
      await fi.admin.expect(201, 'POST', '/api/v1/customers', {
        firstName: `Sivu${i}`,
        lastName: 'Sivutus',
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/v1/customers?q=sivutus&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: CustomerPage = await fi.admin.expect<CustomerPage>(200, 'GET', path);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);

    const badCursor = await fi.admin.request<ProblemDetails>('GET', '/api/v1/customers?cursor=%%%');
    expect(badCursor.status).toBe(422);
  });
});
