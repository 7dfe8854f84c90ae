import { randomUUID } from 'node:crypto';
import type {
  CreatedPartnerKeyView,
  CustomerView,
  ErasureView,
  MergeView,
  ProblemDetails,
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

/** An erasure, or the problem that refused it. */
type ErasureAnswer = ErasureView & Partial<Pick<ProblemDetails, 'type' | 'detail'>>;

/**
 * The erasure API as clients use it: who may ask, what is refused and how, the receipt. Whether
 * an erasure completes depends on every service's part; the erasure e2e tests check that.
 */
describe('the privacy API (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let adminId: string;

  /** A customer of the Finnish tenant, with the number that confirms its erasure. */
  const customer = async (fields: Record<string, unknown> = {}): Promise<CustomerView> =>
    fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Poisto',
      lastName: 'Testaaja',
      stationIds: [fi.stationIds[0]],
      ...fields,
    });
  const erase = (id: string, body: unknown, headers?: Record<string, string>, caller = fi.admin) =>
    caller.request<ErasureAnswer>('POST', `/api/v1/customers/${id}/erase`, body, headers);
  const valid = (c: CustomerView) => ({
    reason: 'customer_request',
    confirmCustomerNumber: c.customerNumber,
  });

  beforeAll(async () => {
    e2e = await startE2eSystem('privacy');
    fi = await createTenant(e2e, 'prv-fi');
    pl = await createTenant(e2e, 'prv-pl', 'PL', 'pl');
    adminId = (await fi.admin.expect<{ user: { id: string } }>(200, 'GET', '/api/v1/me')).user.id;
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('answers an admin 202 with the erasure awaiting every service, and its receipt', async () => {
    const c = await customer({ customerNumber: 'PRV-RECEIPT-7' });
    const response = await erase(c.id, valid(c));
    expect(response.status).toBe(202);
    const erasure = response.body;
    expect(erasure).toMatchObject({
      customerId: c.id,
      reason: 'customer_request',
      requestedBy: adminId,
    });
    expect(erasure.confirmations.map((s) => s.service).sort()).toEqual([
      'consents',
      'customers',
      'gateway',
      'reporting',
      'vehicles',
    ]);
    const receipt = await fi.admin.expect<ErasureView>(
      200,
      'GET',
      `/api/v1/privacy/erasures/${erasure.id}`,
    );
    expect(receipt).toMatchObject({ id: erasure.id, customerId: c.id, requestedBy: adminId });
    // Times, ids, codes and counts: nothing of the person.
    const text = JSON.stringify(receipt);
    for (const value of ['Poisto', 'Testaaja', c.customerNumber]) expect(text).not.toContain(value);
    // The gateway's own part: it holds nothing of the customer, and says so by kind.
    await eventuallyPasses(
      async () => {
        const now = await fi.admin.expect<ErasureView>(
          200,
          'GET',
          `/api/v1/privacy/erasures/${erasure.id}`,
        );
        expect(now.confirmations.find((s) => s.service === 'gateway')).toMatchObject({
          status: 'completed',
          counts: { deadLetters: 0, outbox: 0 },
        });
      },
      { timeoutMs: 15_000 },
    );
  });

  it('refuses a worker and the superadmin with 403', async () => {
    const c = await customer();
    expectProblem(await erase(c.id, valid(c), undefined, fi.worker), 403);
    expectProblem(await erase(c.id, valid(c), undefined, e2e.superadmin), 403);
    const stillErasable = await erase(c.id, valid(c));
    expect(stillErasable.status).toBe(202);
    for (const caller of [fi.worker, e2e.superadmin]) {
      const receipt = await caller.request(
        'GET',
        `/api/v1/privacy/erasures/${stillErasable.body.id}`,
      );
      expectProblem(receipt, 403);
      const retry = await caller.request(
        'POST',
        `/api/v1/privacy/erasures/${stillErasable.body.id}/retry`,
      );
      expectProblem(retry, 403);
    }
  });

  it('answers 404 for a customer that does not exist, or is another tenant’s', async () => {
    const c = await customer();
    expectProblem(await erase(randomUUID(), valid(c)), 404);
    expectProblem(await erase('not-an-id', valid(c)), 404);
    expectProblem(await erase(c.id, valid(c), undefined, pl.admin), 404);
    expect((await erase(c.id, valid(c))).status).toBe(202);
  });

  it('refuses a number that is not the customer’s with 422 on confirmCustomerNumber', async () => {
    const c = await customer();
    const other = await customer();
    const response = await erase(c.id, {
      reason: 'customer_request',
      confirmCustomerNumber: other.customerNumber,
    });
    expectProblem(response, 422, 'confirmCustomerNumber', 'mismatch');
    expect((await erase(c.id, valid(c))).status).toBe(202);
  });

  it('names each invalid, missing or unknown field with 422', async () => {
    const c = await customer();
    expectProblem(
      await erase(c.id, { ...valid(c), reason: 'because' }),
      422,
      'reason',
      'not_allowed',
    );
    // The system's own reasons are not the user's to give.
    expectProblem(await erase(c.id, { ...valid(c), reason: 'retention' }), 422, 'reason');
    const missing = await erase(c.id, {});
    expectProblem(missing, 422, 'reason', 'required');
    expectProblem(missing, 422, 'confirmCustomerNumber', 'required');
    expectProblem(
      await erase(c.id, { ...valid(c), confirmCustomerNumber: '' }),
      422,
      'confirmCustomerNumber',
    );
    expectProblem(
      await erase(c.id, { ...valid(c), note: 'asked by phone' }),
      422,
      'note',
      'unknown_field',
    );
    expectProblem(await erase(c.id, valid(c), { 'idempotency-key': 'has space' }), 422);
    // Nothing was asked on the way: the customer is still there to erase.
    expect((await erase(c.id, valid(c))).status).toBe(202);
  });

  it('refuses to erase a customer twice with 409', async () => {
    const c = await customer();
    const first = await erase(c.id, valid(c));
    expect(first.status).toBe(202);
    const second = await erase(c.id, valid(c));
    expectProblem(second, 409);
    expect(second.body.type).toContain('customer-erased');
    expect(second.body.detail).toContain(first.body.id);
  });

  it('answers a request sent again with its Idempotency-Key with the same erasure', async () => {
    const c = await customer();
    const key = `erase-${randomUUID()}`;
    const first = await erase(c.id, valid(c), { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const again = await erase(c.id, valid(c), { 'idempotency-key': key });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.requestedAt).toBe(first.body.requestedAt);
  });

  it('keeps receipts to their tenant, and answers 404 for one that does not exist', async () => {
    const c = await customer();
    const erasure = (await erase(c.id, valid(c))).body;
    expectProblem(await pl.admin.request('GET', `/api/v1/privacy/erasures/${erasure.id}`), 404);
    expectProblem(await fi.admin.request('GET', `/api/v1/privacy/erasures/${randomUUID()}`), 404);
    expectProblem(
      await pl.admin.request('POST', `/api/v1/privacy/erasures/${erasure.id}/retry`),
      404,
    );
  });

  it('asks again the services that have not confirmed, or says there is nothing to retry', async () => {
    const c = await customer();
    const erasure = (await erase(c.id, valid(c))).body;
    const retry = await fi.admin.request<ErasureAnswer>(
      'POST',
      `/api/v1/privacy/erasures/${erasure.id}/retry`,
    );
    // Whether every service has answered by now is not this test's to know.
    if (retry.status === 409) {
      expect(retry.body.type).toContain('erasure-completed');
    } else {
      expect(retry.status).toBe(202);
      expect(retry.body.id).toBe(erasure.id);
    }
  });

  describe('merge', () => {
    const merge = (id: string, body: unknown, caller = fi.admin) =>
      caller.request<MergeView & Partial<Pick<ProblemDetails, 'type' | 'detail'>>>(
        'POST',
        `/api/v1/customers/${id}/merge`,
        body,
      );

    it('answers 404 for an unknown customer or duplicate, another tenant’s, and an unknown merge', async () => {
      const c = await customer();
      const other = await customer();
      const unknown = randomUUID();
      expectProblem(await merge(unknown, { duplicateId: c.id }), 404);
      const noDuplicate = await merge(c.id, { duplicateId: unknown });
      expectProblem(noDuplicate, 404);
      expect(noDuplicate.body.detail).toContain('duplicateId');
      expectProblem(await merge('not-an-id', { duplicateId: c.id }), 404);
      expectProblem(await merge(c.id, { duplicateId: other.id }, pl.admin), 404);
      for (const path of [`/api/v1/privacy/merges/${unknown}`, '/api/v1/privacy/merges/x']) {
        expectProblem(await fi.admin.request('GET', path), 404);
      }
      expectProblem(await fi.admin.request('POST', `/api/v1/privacy/merges/${unknown}/undo`), 404);

      const merged = await merge(c.id, { duplicateId: other.id });
      expect(merged.status).toBe(202);
      expect(merged.body).toMatchObject({ survivorId: c.id, duplicateId: other.id });
      expect(
        (await fi.admin.request('GET', `/api/v1/privacy/merges/${merged.body.id}`)).status,
      ).toBe(200);
      expectProblem(await pl.admin.request('GET', `/api/v1/privacy/merges/${merged.body.id}`), 404);
      expectProblem(
        await pl.admin.request('POST', `/api/v1/privacy/merges/${merged.body.id}/undo`),
        404,
      );
    });

    it('refuses a merge with itself, and a duplicateId that is not an id, with 422 on duplicateId', async () => {
      const c = await customer();
      const itself = await merge(c.id, { duplicateId: c.id });
      expectProblem(itself, 422, 'duplicateId', 'same-customer');
      expectProblem(await merge(c.id, { duplicateId: 'someone' }), 422, 'duplicateId');
      expectProblem(await merge(c.id, {}), 422, 'duplicateId');
    });

    it('refuses a worker and the superadmin with 403', async () => {
      const c = await customer();
      const other = await customer();
      for (const caller of [fi.worker, e2e.superadmin]) {
        expectProblem(await merge(c.id, { duplicateId: other.id }, caller), 403);
        expectProblem(await caller.request('GET', `/api/v1/privacy/merges/${randomUUID()}`), 403);
        expectProblem(
          await caller.request('POST', `/api/v1/privacy/merges/${randomUUID()}/undo`),
          403,
        );
      }
      expect((await merge(c.id, { duplicateId: other.id })).status).toBe(202);
    });
  });

  it('documents the privacy operations under their tag', async () => {
    const document = (await (await fetch(`${e2e.system.gatewayUrl}/api/docs-json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
      tags?: { name: string }[];
    };
    const operations = [
      document.paths['/api/v1/customers/{id}/erase']?.post,
      document.paths['/api/v1/privacy/erasures/{id}']?.get,
      document.paths['/api/v1/privacy/erasures/{id}/retry']?.post,
      document.paths['/api/v1/customers/{id}/merge']?.post,
      document.paths['/api/v1/privacy/merges/{id}']?.get,
      document.paths['/api/v1/privacy/merges/{id}/undo']?.post,
      document.paths['/api/v1/privacy/merges/{id}/retry']?.post,
    ];
    for (const operation of operations) {
      expect(operation?.tags).toEqual(['privacy']);
      expect(operation?.summary).toMatch(/\(admin\)$/);
    }
  });

  it('logs no value a request carried in its query or body, not even a refused one', async () => {
    const token = `Lokimerkki${randomUUID().slice(0, 8)}`;
    const c = await customer({ lastName: token, notes: `${token} note` });
    await fi.admin.expect(200, 'GET', `/api/v1/customers?q=${token}`);
    await fi.admin.request('GET', `/api/v1/customers?q=${token}&${token}=1`);
    await fi.admin.request('GET', `/api/v1/customers/${token}`);
    const refused = await erase(c.id, { reason: token, confirmCustomerNumber: token });
    expectProblem(refused, 422, 'reason');
    const key = await fi.admin.expect<CreatedPartnerKeyView>(201, 'POST', '/api/v1/partner-keys', {
      partner: 'log-portal',
    });
    const partner = await e2e.api.request(
      'POST',
      '/api/v1/partner/events',
      {
        type: 'partner.booking.created.v1',
        payload: {
          bookingId: 'LOG-1',
          stationId: fi.stationIds[0],
          scheduledAt: '2026-12-01T09:00:00Z',
          channel: 'online_booking',
          customer: { firstName: token, lastName: 'Varaaja', phone: 'not a phone' },
        },
      },
      { 'x-api-key': key.key },
    );
    expectProblem(partner, 422, 'payload.customer.phone');
    const gateway = () => e2e.logs.filter((line) => line.startsWith('[gateway]'));
    // The request lines are written as the answers go; wait for the last one's.
    await eventuallyPasses(async () => {
      expect(gateway().some((line) => line.includes('"path":"/api/v1/partner/events"'))).toBe(true);
    });
    expect(
      gateway().some((line) => line.includes('"path":"/api/v1/customers"') && line.includes('"q"')),
    ).toBe(true);
    expect(gateway().filter((line) => line.includes(token))).toEqual([]);
  });
});
