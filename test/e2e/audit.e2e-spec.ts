import type {
  AccessAction,
  AccessEntryView,
  AccessLogPage,
  ConsentTextView,
  CustomerView,
  ErasureView,
  ReminderView,
  SaleView,
  VehicleView,
  VisitView,
} from '@kanta/contracts';
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

  it("records a card created, viewed and the customers a search showed, with user, role, station and request id, in the customer's access log and the audit", async () => {
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
      return found.items.length >= 3 ? found : undefined;
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
      expect.objectContaining({ action: 'edit', role: 'admin', customerIds: [seen.id] }),
    ]);
    // The search is one entry, in both customers' logs (after each one's create).
    expect((await accessLog(fi.admin, alsoFound.id)).items.map((e) => e.action)).toEqual([
      'search',
      'edit',
    ]);
    expect((await accessLog(fi.admin, alsoFound.id)).items[0].id).toBe(log.items[0].id);

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

  /*
   * Each request below runs under its own X-Request-Id, which the entry carries as its
   * correlation id: every path must leave its own entry, with its action, naming the customer.
   */
  describe("the card's sub-pages, the lists and records that name customers, and writes to them", () => {
    let c: CustomerView;
    let other: CustomerView;
    const sent: [requestId: string, action: AccessAction, customerIds: string[]][] = [];
    let n = 0;
    const as = (
      who: TenantFixture['admin'],
      action: AccessAction,
      status: number,
      method: string,
      path: string,
      body?: unknown,
      { customerIds = [c.id], headers = {} }: { customerIds?: string[]; headers?: object } = {},
    ) => {
      n += 1;
      const requestId = `audit-e2e-path-${n}`;
      sent.push([requestId, action, customerIds]);
      return who.expect(status, method, path, body, { ...headers, 'X-Request-Id': requestId });
    };
    const entryOf = async (customerId: string, requestId: string) => {
      const log = await accessLog(fi.admin, customerId, '?limit=100');
      return log.items.find((e) => e.correlationId === requestId);
    };

    beforeAll(async () => {
      c = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
        firstName: 'Audit',
        lastName: 'Alasivut',
        phone: '040 000 3111',
        email: 'alasivut@example.test',
        stationIds: [fi.stationIds[0]],
      });
      other = await customer('Toinenomistaja');
      const text = await fi.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
        purpose: 'marketing_email',
        locale: 'fi',
        body: 'Saat lähettää minulle tarjouksia.',
      });
      const w = fi.worker;
      const base = `/api/v1/customers/${c.id}`;

      for (const page of ['visits', 'vehicles', 'sales', 'summary', 'reminders', 'consents']) {
        await as(w, 'view', 200, 'GET', `${base}/${page}`);
      }
      await as(w, 'view', 200, 'GET', `${base}/communication-preferences`);
      await as(w, 'view', 200, 'GET', `${base}/contactability?purpose=marketing&channel=email`);
      await as(w, 'edit', 201, 'POST', `${base}/consents`, {
        source: 'reception',
        decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: text.id }],
      });
      await as(w, 'edit', 201, 'POST', `${base}/consents/refresh`, {});
      await as(w, 'edit', 200, 'PATCH', `${base}/communication-preferences`, { blocked: false });

      const reminder = await as(w, 'edit', 201, 'POST', `${base}/reminders`, {
        dueAt: '2030-01-01T09:00:00Z',
        comment: 'Soita',
      });
      const reminderPath = `/api/v1/reminders/${(reminder as ReminderView).id}`;
      await as(w, 'view', 200, 'GET', reminderPath);
      await as(w, 'search', 200, 'GET', `/api/v1/reminders?customerId=${c.id}`);
      await as(w, 'edit', 200, 'PATCH', reminderPath, { comment: 'Soita uudestaan' });
      await as(w, 'edit', 204, 'DELETE', reminderPath);

      const car = await w.expect<VehicleView>(201, 'POST', '/api/v1/vehicles', {
        registration: 'AUD-311',
      });
      await w.expect(200, 'POST', `/api/v1/vehicles/${car.id}/customers`, {
        customerId: other.id,
        role: 'proxy',
      });
      await as(w, 'edit', 200, 'POST', `/api/v1/vehicles/${car.id}/customers`, {
        customerId: c.id,
        role: 'owner',
      });
      const both = [c.id, other.id];
      await as(w, 'view', 200, 'GET', `/api/v1/vehicles/${car.id}`, undefined, {
        customerIds: both,
      });
      await as(w, 'search', 200, 'GET', '/api/v1/vehicles?q=AUD311', undefined, {
        customerIds: both,
      });
      await as(w, 'edit', 200, 'DELETE', `/api/v1/vehicles/${car.id}/customers/${c.id}`);

      const visit = (await as(w, 'edit', 201, 'POST', '/api/v1/visits', {
        customerId: c.id,
        kind: 'booking',
        scheduledAt: '2030-01-02T09:00:00Z',
        channel: 'phone',
      })) as VisitView;
      await as(w, 'view', 200, 'GET', `/api/v1/visits/${visit.id}`);
      await as(w, 'search', 200, 'GET', `/api/v1/visits?customerId=${c.id}`);
      await as(
        w,
        'edit',
        200,
        'PATCH',
        `/api/v1/visits/${visit.id}`,
        { notes: 'Tuo avaimet' },
        {
          headers: { 'If-Match': `"${visit.version}"` },
        },
      );
      const sale = (await as(w, 'edit', 201, 'POST', '/api/v1/sales', {
        customerId: c.id,
        receiptNumber: 'AUD-R-1',
        soldAt: '2030-01-02T10:00:00Z',
        currency: 'EUR',
        lines: [
          {
            kind: 'service',
            name: 'Katsastus',
            quantity: 1,
            unitPriceMinor: 5990,
            vatRate: 25.5,
            totalMinor: 5990,
          },
        ],
        totalMinor: 5990,
      })) as SaleView;
      await as(w, 'view', 200, 'GET', `/api/v1/sales/${sale.id}`);
      await as(w, 'search', 200, 'GET', `/api/v1/sales?customerId=${c.id}`);

      // A possible duplicate shows the matching customers: recorded as a search.
      await as(w, 'search', 409, 'POST', '/api/v1/customers', {
        firstName: 'Audit',
        lastName: 'Kopio',
        phone: '+358400003111',
        stationIds: [fi.stationIds[0]],
      });
      // A new card is an edit of it (its own log).
      const created = await w.expect<CustomerView>(
        201,
        'POST',
        '/api/v1/customers',
        { firstName: 'Audit', lastName: 'Uusi', stationIds: [fi.stationIds[0]] },
        { 'X-Request-Id': 'audit-e2e-created' },
      );
      sent.push(['audit-e2e-created', 'edit', [created.id]]);
    });

    it('records each, with its action, naming the customers the answer showed', async () => {
      const last = sent[sent.length - 1];
      await eventually(
        async () => ((await entryOf(last[2][0], last[0])) ? true : undefined),
        15_000,
      );
      for (const [requestId, action, customerIds] of sent) {
        for (const customerId of customerIds) {
          const entry = await entryOf(customerId, requestId);
          expect({ requestId, entry }).toEqual({
            requestId,
            entry: expect.objectContaining({
              action,
              userId: workerId,
              role: 'worker',
              customerIds: expect.arrayContaining([customerId]) as unknown,
            }) as unknown,
          });
        }
      }
    });

    it('records nothing for a request that fails', async () => {
      const failed = ['audit-e2e-failed-422', 'audit-e2e-failed-404'];
      await fi.worker.request('GET', `/api/v1/customers/${c.id}/visits?limit=0`, undefined, {
        'X-Request-Id': failed[0],
      });
      await fi.worker.request(
        'PATCH',
        `/api/v1/customers/${c.id}/communication-preferences`,
        {
          blocked: 'yes',
        },
        { 'X-Request-Id': failed[1] },
      );
      // A later success is in the log: the failures before it would be too by now.
      await fi.worker.expect(200, 'GET', `/api/v1/customers/${c.id}/summary`, undefined, {
        'X-Request-Id': 'audit-e2e-after-failures',
      });
      await eventually(
        async () => ((await entryOf(c.id, 'audit-e2e-after-failures')) ? true : undefined),
        15_000,
      );
      const { items } = await fi.admin.expect<AccessLogPage>(
        200,
        'GET',
        `/api/v1/audit?userId=${workerId}&limit=100`,
      );
      expect(items.filter((e) => failed.includes(e.correlationId ?? ''))).toEqual([]);
    });
  });

  it('records a create, an edit and an erasure, and pages the log with the cursor', async () => {
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
      return found.items.length >= 3 ? found : undefined;
    }, 15_000);
    // The change, then the create before it.
    expect(log.items.map((e) => [e.action, e.role])).toEqual([
      ['erase', 'admin'],
      ['edit', 'admin'],
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
