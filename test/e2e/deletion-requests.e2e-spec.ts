import type {
  CustomerView,
  DeletionRequestPage,
  DeletionRequestView,
  ErasureView,
} from '@kanta/contracts';
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
 * Deletion requests through the API (Timma's "Poistopyyntö"): reception records one, an admin
 * lists and cancels them, the tenant's grace period decides when the erasure runs, and a due
 * request becomes an erasure every service completes.
 */
describe('deletion requests (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;

  let made = 0;
  const customer = async (stationId?: string): Promise<CustomerView> => {
    made += 1;
    return fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Poisto',
      lastName: `Pyytäjä${made}`,
      stationIds: [stationId ?? fi.stationIds[0]],
    });
  };
  const record = (who: TenantFixture['admin'], id: string, channel = 'reception') =>
    who.request<DeletionRequestView>('POST', `/api/v1/customers/${id}/deletion-request`, {
      channel,
    });

  beforeAll(async () => {
    e2e = await startE2eSystem('deletions', { PRIVACY_DELETION_SWEEP_INTERVAL_MS: '500' });
    fi = await createTenant(e2e, 'del-fi');
    pl = await createTenant(e2e, 'del-pl', 'PL', 'pl');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('lets reception record one (201) due after the 30 days of grace, lists it for admins, and lets an admin cancel it', async () => {
    const c = await customer();
    const response = await record(fi.worker, c.id, 'phone');
    expect(response.status).toBe(201);
    const request = response.body;
    expect(request).toMatchObject({ customerId: c.id, status: 'pending', channel: 'phone' });
    expect((Date.parse(request.dueAt) - Date.parse(request.requestedAt)) / 86_400_000).toBe(30);
    // The card says so: "deletion requested on …, due on …".
    const card = await eventually(async () => {
      const view = await fi.worker.expect<CustomerView>(200, 'GET', `/api/v1/customers/${c.id}`);
      return view.deletionRequest ? view : undefined;
    }, 15_000);
    expect(card.deletionRequest).toEqual({
      id: request.id,
      requestedAt: request.requestedAt,
      dueAt: request.dueAt,
    });

    expectProblem(await record(fi.admin, c.id), 409);
    const pending = await fi.admin.expect<DeletionRequestPage>(
      200,
      'GET',
      '/api/v1/privacy/deletion-requests?status=pending',
    );
    expect(pending.items.map((r) => r.id)).toContain(request.id);
    expectProblem(await fi.worker.request('GET', '/api/v1/privacy/deletion-requests'), 403);
    expect(
      (await pl.admin.expect<DeletionRequestPage>(200, 'GET', '/api/v1/privacy/deletion-requests'))
        .items,
    ).toEqual([]);

    expectProblem(
      await fi.worker.request('DELETE', `/api/v1/customers/${c.id}/deletion-request`),
      403,
    );
    const cancelled = await fi.admin.expect<DeletionRequestView>(
      200,
      'DELETE',
      `/api/v1/customers/${c.id}/deletion-request`,
    );
    expect(cancelled).toMatchObject({ id: request.id, status: 'cancelled' });
    await eventually(async () => {
      const view = await fi.admin.expect<CustomerView>(200, 'GET', `/api/v1/customers/${c.id}`);
      return view.deletionRequest === undefined ? true : undefined;
    }, 15_000);
    expectProblem(
      await fi.admin.request('DELETE', `/api/v1/customers/${c.id}/deletion-request`),
      409,
    );
    expectProblem(
      await pl.admin.request('DELETE', `/api/v1/customers/${c.id}/deletion-request`),
      404,
    );
  });

  it("refuses bad input naming the field, and a customer the worker's stations do not have", async () => {
    const c = await customer(fi.stationIds[1]);
    expectProblem(await record(fi.worker, c.id), 404);
    expectProblem(await record(fi.admin, c.id, 'pigeon'), 422, 'channel');
    expectProblem(
      await fi.admin.request('POST', `/api/v1/customers/${c.id}/deletion-request`, {}),
      422,
      'channel',
    );
    expectProblem(
      await fi.admin.request('GET', '/api/v1/privacy/deletion-requests?status=lost'),
      422,
      'status',
    );
    expectProblem(
      await fi.admin.request('GET', '/api/v1/privacy/deletion-requests?cursor=nope'),
      422,
      'cursor',
    );
    expectProblem(await record(fi.admin, 'not-an-id'), 404);
    expectProblem(
      await e2e.superadmin.request('PATCH', `/api/v1/tenants/${fi.tenantId}`, {
        deletionGraceDays: 366,
      }),
      422,
      'deletionGraceDays',
    );
    expectProblem(
      await e2e.superadmin.request('POST', `/api/v1/customers/${c.id}/deletion-request`, {
        channel: 'phone',
      }),
      403,
    );
  });

  it("erases the customer through every service when the tenant's grace period is over", async () => {
    const tenant = await e2e.superadmin.expect<TenantView>(
      200,
      'PATCH',
      `/api/v1/tenants/${pl.tenantId}`,
      { deletionGraceDays: 0 },
    );
    expect(tenant.deletionGraceDays).toBe(0);
    const c = await pl.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Usunięcie',
      lastName: 'Klient',
      stationIds: [pl.stationIds[0]],
    });
    const request = await pl.worker.expect<DeletionRequestView>(
      201,
      'POST',
      `/api/v1/customers/${c.id}/deletion-request`,
      { channel: 'email' },
    );
    const done = await eventually(async () => {
      const page = await pl.admin.expect<DeletionRequestPage>(
        200,
        'GET',
        '/api/v1/privacy/deletion-requests?status=done',
      );
      return page.items.find((r) => r.id === request.id);
    }, 30_000);
    const receipt = await eventually(async () => {
      const r = await pl.admin.expect<ErasureView>(
        200,
        'GET',
        `/api/v1/privacy/erasures/${done.erasureId}`,
      );
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
    expect(receipt).toMatchObject({ customerId: c.id, reason: 'deletion_request' });
    const shell = await pl.admin.expect<CustomerView>(200, 'GET', `/api/v1/customers/${c.id}`);
    expect(shell.status).toBe('erased');
    expect(shell.deletionRequest).toBeUndefined();
    expectProblem(
      await pl.admin.request('DELETE', `/api/v1/customers/${c.id}/deletion-request`),
      409,
    );
  });
});
