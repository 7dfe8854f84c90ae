import type { CustomerPage, CustomerView } from '@kanta/contracts';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

jest.setTimeout(120_000);

describe('tenant isolation and station scoping (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let fiCustomer: CustomerView;
  let fiSouthCustomer: CustomerView;

  beforeAll(async () => {
    e2e = await startE2eSystem('tenancy');
    fi = await createTenant(e2e, 'iso-fi');
    pl = await createTenant(e2e, 'iso-pl', 'PL', 'pl');
    fiCustomer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Salainen',
      lastName: 'Asiakas',
      phone: '0409998877',
      email: 'salainen@example.test',
      customerNumber: 'SECRET-1',
      externalIds: [{ system: 'dms', id: 'DMS-SECRET' }],
      stationIds: [fi.stationIds[0]],
    });
    fiSouthCustomer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Etelä',
      lastName: 'Asiakas',
      stationIds: [fi.stationIds[1]],
    });
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('never shows another tenant a customer by id, whatever the role', async () => {
    for (const caller of [pl.admin, pl.worker]) {
      const read = await caller.request('GET', `/api/v1/customers/${fiCustomer.id}`);
      expect(read.status).toBe(404);
      const edit = await caller.request(
        'PATCH',
        `/api/v1/customers/${fiCustomer.id}`,
        { notes: 'x' },
        { 'if-match': '"1"' },
      );
      expect(edit.status).toBe(404);
    }
    const still = await fi.admin.expect<CustomerView>(
      200,
      'GET',
      `/api/v1/customers/${fiCustomer.id}`,
    );
    expect(still.notes).toBeNull();
  });

  it('never finds another tenant’s customer by any field or filter', async () => {
    for (const q of ['salainen', '0409998877', 'salainen@example.test', 'SECRET-1', 'DMS-SECRET']) {
      const page = await pl.admin.expect<CustomerPage>(
        200,
        'GET',
        `/api/v1/customers?q=${encodeURIComponent(q)}&includePassive=true`,
      );
      expect(page.items).toHaveLength(0);
    }
    const byStation = await pl.admin.request(
      'GET',
      `/api/v1/customers?stationIds=${fi.stationIds[0]}`,
    );
    expect(byStation.status).toBe(422);
  });

  it('refuses to put a customer at another tenant’s station', async () => {
    const response = await pl.admin.request('POST', '/api/v1/customers', {
      firstName: 'Jan',
      lastName: 'Nowak',
      stationIds: [fi.stationIds[0]],
    });
    expect(response.status).toBe(422);
  });

  it('lets a worker see only the customers of their stations; an admin sees all', async () => {
    const own = await fi.worker.request('GET', `/api/v1/customers/${fiCustomer.id}`);
    expect(own.status).toBe(200);
    const other = await fi.worker.request('GET', `/api/v1/customers/${fiSouthCustomer.id}`);
    expect(other.status).toBe(404);
    const workerSearch = await fi.worker.expect<CustomerPage>(
      200,
      'GET',
      '/api/v1/customers?q=asiakas',
    );
    expect(workerSearch.items.map((c) => c.id)).toEqual([fiCustomer.id]);
    const adminSearch = await fi.admin.expect<CustomerPage>(
      200,
      'GET',
      '/api/v1/customers?q=asiakas',
    );
    expect(adminSearch.items.map((c) => c.id).sort()).toEqual(
      [fiCustomer.id, fiSouthCustomer.id].sort(),
    );
  });

  it('keeps tenants, stations and users of one tenant out of another’s reach', async () => {
    expect((await pl.admin.request('GET', '/api/v1/tenants')).status).toBe(403);
    const stations = await pl.admin.expect<{ items: { id: string }[] }>(
      200,
      'GET',
      '/api/v1/stations',
    );
    expect(stations.items.map((s) => s.id)).not.toContain(fi.stationIds[0]);
    const patchStation = await pl.admin.request('PATCH', `/api/v1/stations/${fi.stationIds[0]}`, {
      name: 'Hijacked',
    });
    expect(patchStation.status).toBe(404);
    const users = await pl.admin.expect<{ items: { email: string }[] }>(
      200,
      'GET',
      '/api/v1/users',
    );
    expect(users.items.map((u) => u.email)).not.toContain('admin@iso-fi.test');
  });

  it('refuses customers endpoints to a superadmin, who belongs to no tenant', async () => {
    const response = await e2e.superadmin.request('GET', '/api/v1/customers');
    expect(response.status).toBe(403);
  });
});
