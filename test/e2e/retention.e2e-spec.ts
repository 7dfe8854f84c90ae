import type {
  CustomerView,
  ErasureView,
  RetentionPreview,
  RetentionRunPage,
} from '@kanta/contracts';
import { RETENTION_SYSTEM_USER_ID } from '@kanta/contracts';
import type { TenantView } from '../../services/gateway/src/identity/dto/identity.dto';
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
 * Retention through the API: a superadmin sets the tenant's retentionYears, the privacy service
 * learns it from the gateway's announcement, an admin previews who would go, and the sweep
 * erases an inactive customer through every service and keeps a summary of its run. Years of
 * inactivity cannot pass in a test: the one shortcut is the customer's last activity in the
 * privacy service's table, moved back in time.
 */
describe('retention (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;

  beforeAll(async () => {
    e2e = await startE2eSystem('retention', { PRIVACY_RETENTION_SWEEP_INTERVAL_MS: '500' });
    fi = await createTenant(e2e, 'ret-fi');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const preview = (query = '') =>
    fi.admin.expect<RetentionPreview>(200, 'GET', `/api/v1/privacy/retention/preview${query}`);

  it('is off by default; refuses values out of range naming the field; admins only', async () => {
    const tenant = await e2e.superadmin.expect<TenantView>(
      200,
      'GET',
      `/api/v1/tenants/${fi.tenantId}`,
    );
    expect(tenant.retentionYears).toBeNull();
    expect(await preview()).toEqual({
      years: null,
      cutoff: null,
      total: 0,
      items: [],
      nextCursor: null,
    });
    for (const retentionYears of [0, 31, 1.5]) {
      expectProblem(
        await e2e.superadmin.request('PATCH', `/api/v1/tenants/${fi.tenantId}`, {
          retentionYears,
        }),
        422,
        'retentionYears',
      );
    }
    expectProblem(
      await fi.admin.request('PATCH', `/api/v1/tenants/${fi.tenantId}`, { retentionYears: 5 }),
      403,
    );
    for (const years of ['0', '31', 'ten']) {
      expectProblem(
        await fi.admin.request('GET', `/api/v1/privacy/retention/preview?years=${years}`),
        422,
        'years',
      );
    }
    expectProblem(await fi.worker.request('GET', '/api/v1/privacy/retention/preview'), 403);
    expectProblem(await fi.worker.request('GET', '/api/v1/privacy/retention/runs'), 403);
    expectProblem(await e2e.superadmin.request('GET', '/api/v1/privacy/retention/preview'), 403);
    expectProblem(
      await fi.admin.request('GET', '/api/v1/privacy/retention/runs?cursor=nope'),
      422,
      'cursor',
    );
  });

  it('erases a customer inactive for longer than the setting through every service, and keeps the run', async () => {
    const active = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Aktiivinen',
      lastName: 'Asiakas',
      stationIds: [fi.stationIds[0]],
    });
    const idle = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Unohtunut',
      lastName: 'Asiakas',
      stationIds: [fi.stationIds[0]],
    });
    // Both just created: a value to try finds nobody yet.
    await eventually(async () => ((await preview('?years=1')).total === 0 ? true : undefined));
    // Years pass for one of them (the only shortcut: see above).
    await eventually(async () => {
      const [row] = await e2e.database.query<{ n: number }>(
        `UPDATE privacy.customer_activity SET last_activity_at = now() - interval '8 years'
          WHERE customer_id = $1 RETURNING 1 AS n`,
        [idle.id],
      );
      return row ? true : undefined;
    }, 15_000);
    const tried = await preview('?years=5');
    expect(tried).toMatchObject({ years: 5, total: 1 });
    expect(tried.items).toEqual([{ customerId: idle.id, customerNumber: idle.customerNumber }]);
    // Still off: the sweep leaves them.
    expect((await preview()).years).toBeNull();

    const tenant = await e2e.superadmin.expect<TenantView>(
      200,
      'PATCH',
      `/api/v1/tenants/${fi.tenantId}`,
      { retentionYears: 5 },
    );
    expect(tenant.retentionYears).toBe(5);
    const run = await eventually(async () => {
      const runs = await fi.admin.expect<RetentionRunPage>(
        200,
        'GET',
        '/api/v1/privacy/retention/runs',
      );
      return runs.items.find((r) => r.erased > 0);
    }, 30_000);
    expect(run).toMatchObject({ years: 5, erased: 1 });
    const receipt = await eventually(async () => {
      const r = await fi.admin.expect<ErasureView>(
        200,
        'GET',
        `/api/v1/privacy/erasures/${run.erasureIds[0]}`,
      );
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
    expect(receipt).toMatchObject({
      customerId: idle.id,
      reason: 'retention',
      requestedBy: RETENTION_SYSTEM_USER_ID,
    });
    const shell = await fi.admin.expect<CustomerView>(200, 'GET', `/api/v1/customers/${idle.id}`);
    expect(shell.status).toBe('erased');
    const kept = await fi.admin.expect<CustomerView>(200, 'GET', `/api/v1/customers/${active.id}`);
    expect(kept.status).not.toBe('erased');
    expect((await preview()).total).toBe(0);
  });
});
