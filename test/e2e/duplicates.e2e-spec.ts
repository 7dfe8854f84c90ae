import type {
  CustomerView,
  DuplicatePairPage,
  DuplicateScanView,
  ProblemDetails,
} from '@kanta/contracts';
import type { ApiResponse, KantaApi } from '@kanta/local';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(120_000);

const DUPLICATES = '/api/v1/customers/duplicates';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000001';

describe('duplicate detection through the gateway (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let other: TenantFixture;
  let first: CustomerView;
  let second: CustomerView;

  beforeAll(async () => {
    e2e = await startE2eSystem('duplicates');
    fi = await createTenant(e2e, 'dup-fi');
    other = await createTenant(e2e, 'dup-other');
    first = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Testi',
      lastName: 'Kaksonen',
      phone: '040 000 3001',
      email: 'kaksonen@example.test',
    });
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const twin = { firstName: 'Toinen', lastName: 'Kaksonen', phone: '+358400003001' };
  const list = (api: KantaApi, query = ''): Promise<ApiResponse<DuplicatePairPage>> =>
    api.request<DuplicatePairPage>('GET', `${DUPLICATES}${query}`);

  it('answers a create that matches with 409 possible-duplicate and the candidates', async () => {
    const response = await fi.worker.request<ProblemDetails>('POST', '/api/v1/customers', twin);
    expectProblem(response, 409);
    expect(response.body).toMatchObject({
      type: 'https://kanta.dev/problems/possible-duplicate',
      candidates: [
        {
          customerId: first.id,
          customerNumber: first.customerNumber,
          displayName: 'Testi Kaksonen',
          reasons: ['phone'],
          score: 0.6,
        },
      ],
      hiddenCandidates: 0,
    });
  });

  it('creates it with allowDuplicate=true, and then suggests the pair', async () => {
    const response = await fi.worker.request<CustomerView>(
      'POST',
      '/api/v1/customers?allowDuplicate=true',
      twin,
    );
    expect(response.status).toBe(201);
    second = response.body;
    const page = await list(fi.admin);
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([
      expect.objectContaining({
        customers: [first, second]
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((c) => ({
            id: c.id,
            customerNumber: c.customerNumber,
            displayName: `${c.firstName} ${c.lastName}`,
          })),
        reasons: ['phone'],
        score: 0.6,
      }),
    ]);
    // The worker sees both customers (their station), so the pair too.
    expect((await list(fi.worker)).body.items).toHaveLength(1);
    // A worker of the other station sees neither.
    expect((await list(fi.otherWorker)).body.items).toEqual([]);
  });

  it('refuses a bad allowDuplicate with a problem naming it', async () => {
    const response = await fi.admin.request('POST', '/api/v1/customers?allowDuplicate=yes', twin);
    expectProblem(response, 422, 'allowDuplicate', 'invalid_type');
  });

  it.each([
    ['limit=0', 'limit', 'too_small'],
    ['limit=101', 'limit', 'too_large'],
    ['limit=ten', 'limit', 'invalid_type'],
    ['minScore=2', 'minScore', 'too_large'],
    ['minScore=-1', 'minScore', 'too_small'],
    ['minScore=high', 'minScore', 'invalid_type'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor', 'invalid_format'],
    ['sort=score', 'sort', 'unknown_field'],
  ])('refuses GET duplicates?%s with a problem naming %s', async (query, field, reason) => {
    expectProblem(await list(fi.admin, `?${query}`), 422, field, reason);
  });

  it('pages with a cursor and filters by minScore', async () => {
    const third = await fi.admin.expect<CustomerView>(
      201,
      'POST',
      '/api/v1/customers?allowDuplicate=true',
      { firstName: 'Kolmas', lastName: 'Kaksonen', phone: '040 000 3001' },
    );
    const one = await list(fi.admin, '?limit=1');
    expect(one.body.items).toHaveLength(1);
    expect(one.body.nextCursor).toEqual(expect.any(String));
    const rest = await list(fi.admin, `?limit=5&cursor=${one.body.nextCursor!}`);
    expect(rest.body.items).toHaveLength(2);
    expect(rest.body.nextCursor).toBeNull();
    expect((await list(fi.admin, '?minScore=0.7')).body.items).toEqual([]);
    await fi.admin.expect(200, 'POST', `${DUPLICATES}/dismiss`, {
      customerIds: [first.id, third.id],
    });
    await fi.admin.expect(200, 'POST', `${DUPLICATES}/dismiss`, {
      customerIds: [second.id, third.id],
    });
  });

  it.each([
    [{}, 'customerIds', 'required'],
    [{ customerIds: [UNKNOWN_ID] }, 'customerIds', 'too_few'],
    [{ customerIds: [UNKNOWN_ID, UNKNOWN_ID, UNKNOWN_ID] }, 'customerIds', 'too_many'],
    [{ customerIds: ['one', 'two'] }, 'customerIds', 'invalid_format'],
    [{ customerIds: [UNKNOWN_ID, UNKNOWN_ID] }, 'customerIds', 'same_customer'],
    [
      { customerIds: [UNKNOWN_ID, UNKNOWN_ID.replace(/1$/, '2')], extra: 1 },
      'extra',
      'unknown_field',
    ],
  ])('refuses dismiss %j with a problem naming %s', async (body, field, reason) => {
    expectProblem(
      await fi.admin.request('POST', `${DUPLICATES}/dismiss`, body),
      422,
      field,
      reason,
    );
  });

  it('merges a suggested pair for an admin only, and never another tenant’s', async () => {
    const [pair] = (await list(fi.admin)).body.items;
    const merge = (id: string) => `${DUPLICATES}/${id}/merge`;
    expectProblem(await fi.worker.request('POST', merge(pair.id)), 403);
    expectProblem(await other.admin.request('POST', merge(pair.id)), 404);
    expectProblem(await fi.admin.request('POST', merge(UNKNOWN_ID)), 404);
    expectProblem(await fi.admin.request('POST', merge('not-a-pair')), 404);
    expect((await list(fi.admin)).body.items).toHaveLength(1);
  });

  it('dismisses a pair for an admin only, and never another tenant’s', async () => {
    const body = { customerIds: [first.id, second.id] };
    expectProblem(await fi.worker.request('POST', `${DUPLICATES}/dismiss`, body), 403);
    expectProblem(await other.admin.request('POST', `${DUPLICATES}/dismiss`, body), 404);
    expectProblem(await e2e.superadmin.request('POST', `${DUPLICATES}/dismiss`, body), 403);
    expect((await list(fi.admin)).body.items).toHaveLength(1);
    const dismissed = await fi.admin.request<{ customerIds: string[] }>(
      'POST',
      `${DUPLICATES}/dismiss`,
      body,
    );
    expect(dismissed.status).toBe(200);
    expect(dismissed.body.customerIds).toEqual([first.id, second.id].sort());
    expect((await list(fi.admin)).body.items).toEqual([]);
  });

  it('never shows or matches another tenant’s customers', async () => {
    expect((await list(other.admin)).body.items).toEqual([]);
    expectProblem(await e2e.superadmin.request('GET', DUPLICATES), 403);
    // The same phone in another tenant is no duplicate.
    await other.admin.expect(201, 'POST', '/api/v1/customers', twin);
  });

  it('runs a scan for an admin (202), shows its progress, and refuses workers', async () => {
    expectProblem(await fi.worker.request('POST', `${DUPLICATES}/scan`), 403);
    expectProblem(await fi.worker.request('GET', `${DUPLICATES}/scan`), 403);
    expectProblem(await other.admin.request('GET', `${DUPLICATES}/scan`), 404);
    const queued = await fi.admin.request<DuplicateScanView>('POST', `${DUPLICATES}/scan`);
    expect(queued.status).toBe(202);
    let scan = queued.body;
    const deadline = Date.now() + 20_000;
    while (scan.status !== 'completed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      scan = await fi.admin.expect<DuplicateScanView>(200, 'GET', `${DUPLICATES}/scan`);
    }
    expect(scan).toMatchObject({ status: 'completed', progress: 100 });
    // Every pair of the tenant was dismissed above; the scan suggests none of them again.
    expect(scan.pairsFound).toBe(0);
    expect((await list(fi.admin)).body.items).toEqual([]);
    expectProblem(await other.admin.request('GET', `${DUPLICATES}/scan`), 404);
  });
});
