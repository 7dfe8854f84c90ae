import type { AccessEntryView, AccessLogPage, CustomerView, ErasureView } from '@kanta/contracts';
import { eventually } from '@kanta/testing';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(180_000);

/*
 * The access audit through the API: a worker opens a card and searches, an admin edits and
 * erases; the customer's access log and the tenant's audit show who did what, in which role, at
 * which station and in which request — for admins of the tenant only.
 */
describe('access audit (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let workerId: string;

  const customer = (lastName: string): Promise<CustomerView> =>
    fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Audit',
      lastName,
      stationIds: [fi.stationIds[0]],
    });
  const accessLog = (who: TenantFixture['admin'], customerId: string, query = '') =>
    who.expect<AccessLogPage>(200, 'GET', `/api/v1/customers/${customerId}/access-log${query}`);

  beforeAll(async () => {
    e2e = await startE2eSystem('audit');
    fi = await createTenant(e2e, 'audit-fi');
    pl = await createTenant(e2e, 'audit-pl', 'PL', 'pl');
    workerId = (await fi.worker.expect<{ user: { id: string } }>(200, 'GET', '/api/v1/me')).user.id;
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it("records a card viewed and the customers a search showed, with user, role, station and request id, in the customer's access log and the audit", async () => {
    const seen = await customer('Kirjattava');
    const alsoFound = await customer('Kirjattava');
    await fi.worker.expect(200, 'GET', `/api/v1/customers/${seen.id}`, undefined, {
      'X-Request-Id': 'audit-e2e-view',
    });
    const page = await fi.worker.expect<{ items: CustomerView[] }>(
      200,
      'GET',
      '/api/v1/customers?q=Kirjattava',
      undefined,
      { 'X-Request-Id': 'audit-e2e-search' },
    );
    expect(page.items.map((c) => c.id).sort()).toEqual([seen.id, alsoFound.id].sort());

    const log = await eventually(async () => {
      const found = await accessLog(fi.admin, seen.id);
      return found.items.length >= 2 ? found : undefined;
    }, 15_000);
    const byWorker = { userId: workerId, role: 'worker', stationId: fi.stationIds[0] };
    expect(log.items).toEqual([
      expect.objectContaining({
        ...byWorker,
        action: 'search',
        correlationId: 'audit-e2e-search',
        customerIds: expect.arrayContaining([seen.id, alsoFound.id]) as unknown,
      }),
      expect.objectContaining({
        ...byWorker,
        action: 'view',
        correlationId: 'audit-e2e-view',
        customerIds: [seen.id],
      }),
    ]);
    // The search is one entry, in both customers' logs.
    expect((await accessLog(fi.admin, alsoFound.id)).items.map((e) => e.id)).toEqual([
      log.items[0].id,
    ]);

    const views = await fi.admin.expect<AccessLogPage>(
      200,
      'GET',
      `/api/v1/audit?userId=${workerId}&action=view&from=${encodeURIComponent(
        new Date(Date.now() - 600_000).toISOString(),
      )}`,
    );
    expect(views.items.map((e: AccessEntryView) => e.id)).toContain(log.items[1].id);
    expect(views.items.every((e) => e.action === 'view' && e.userId === workerId)).toBe(true);
  });

  it('records the customers a list of duplicate pairs showed', async () => {
    const first = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Audit',
      lastName: 'Kaksonen',
      phone: '040 000 3099',
    });
    const second = await fi.admin.expect<CustomerView>(
      201,
      'POST',
      '/api/v1/customers?allowDuplicate=true',
      { firstName: 'Toinen', lastName: 'Kaksonen', phone: '+358400003099' },
    );
    await fi.admin.expect(200, 'GET', '/api/v1/customers/duplicates');
    const log = await eventually(async () => {
      const found = await accessLog(fi.admin, first.id, '?action=search');
      return found.items.length > 0 ? found : undefined;
    }, 15_000);
    expect(log.items[0].customerIds).toEqual(expect.arrayContaining([first.id, second.id]));
  });

  it('records an edit and an erasure, and pages the log with the cursor', async () => {
    const c = await customer('Muokattava');
    await fi.admin.expect(
      200,
      'PATCH',
      `/api/v1/customers/${c.id}`,
      { firstName: 'Audit2' },
      {
        'If-Match': `"${c.version}"`,
      },
    );
    await fi.admin.expect<ErasureView>(202, 'POST', `/api/v1/customers/${c.id}/erase`, {
      reason: 'customer_request',
      confirmCustomerNumber: c.customerNumber,
    });
    const log = await eventually(async () => {
      const found = await accessLog(fi.admin, c.id);
      return found.items.length >= 2 ? found : undefined;
    }, 15_000);
    expect(log.items.map((e) => [e.action, e.role])).toEqual([
      ['erase', 'admin'],
      ['edit', 'admin'],
    ]);

    const first = await accessLog(fi.admin, c.id, '?limit=1');
    expect(first.items.map((e) => e.action)).toEqual(['erase']);
    const second = await accessLog(
      fi.admin,
      c.id,
      `?limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`,
    );
    expect(second.items.map((e) => e.action)).toEqual(['edit']);
  });

  it('is for admins of the tenant: a worker gets 403, another tenant sees nothing', async () => {
    const c = await customer('Salattava');
    await fi.worker.expect(200, 'GET', `/api/v1/customers/${c.id}`);
    await eventually(
      async () => ((await accessLog(fi.admin, c.id)).items.length > 0 ? true : undefined),
      15_000,
    );
    expectProblem(await fi.worker.request('GET', `/api/v1/customers/${c.id}/access-log`), 403);
    expectProblem(await fi.worker.request('GET', '/api/v1/audit'), 403);
    expectProblem(await e2e.superadmin.request('GET', '/api/v1/audit'), 403);
    expect((await accessLog(pl.admin, c.id)).items).toEqual([]);
    const theirs = await pl.admin.expect<AccessLogPage>(200, 'GET', '/api/v1/audit?limit=100');
    expect(theirs.items.flatMap((e) => e.customerIds)).not.toContain(c.id);
  });

  it('answers bad filters with a 422 naming the field', async () => {
    for (const [query, field] of [
      ['userId=someone', 'userId'],
      ['action=peek', 'action'],
      ['from=yesterday', 'from'],
      ['to=2026-13-01T00:00:00Z', 'to'],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
      ['cursor=not-ours', 'cursor'],
      ['limit=0', 'limit'],
    ]) {
      expectProblem(await fi.admin.request('GET', `/api/v1/audit?${query}`), 422, field);
    }
    expectProblem(
      await fi.admin.request('GET', `/api/v1/customers/${fi.tenantId}/access-log?action=peek`),
      422,
      'action',
    );
  });
});
