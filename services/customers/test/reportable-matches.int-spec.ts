import { randomBytes } from 'node:crypto';
import {
  CUSTOMERS,
  type CreateCustomerDto,
  type CustomerSearchCriteriaDto,
  type ReportablePage,
} from '@kanta/contracts';
import { deleteBrokerObjects } from '@kanta/messaging';
import { RpcClient, connectRpcServer, createLogger } from '@kanta/platform';
import { ReportableMatchesController } from '../src/reporting/reportable-matches';
import {
  AMQP_URL,
  problemOf,
  startCustomers,
  tenantFixture,
  type CustomersHarness,
} from './support';

/*
 * `customers.reportable.matches`: the customers report's rows are the ids of the customers the
 * customer list would find with the same criteria — whatever the criteria — in keyset pages by
 * id, for an admin of the tenant.
 */
describe('customers service: the customers report’s matches (real Postgres)', () => {
  let h: CustomersHarness;
  let matches: ReportableMatchesController;
  const queue = `test.matches.${randomBytes(6).toString('hex')}`;
  let rpc: RpcClient;
  const t = tenantFixture('FI');
  const other = tenantFixture('FI');
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startCustomers('reportable-matches');
    matches = h.app.get(ReportableMatchesController);
    connectRpcServer(
      h.app,
      'customers',
      { amqpUrl: AMQP_URL, queue, prefetchCount: 1 },
      createLogger('customers-test', 'silent'),
    );
    await h.app.startAllMicroservices();
    rpc = new RpcClient({ service: 'customers', amqpUrl: AMQP_URL, queue, timeoutMs: 10_000 });
    const add = async (name: string, body: CreateCustomerDto, ctx = t.admin) => {
      ids[name] = (await h.customers.create(ctx, body)).customer.id;
    };
    await add('matti', { firstName: 'Matti', lastName: 'Mäkinen', phone: '+358401234567' });
    await add('liisa', { firstName: 'Liisa', lastName: 'Makinen', email: 'liisa@firma.test' });
    await add('jan', { firstName: 'Jan', lastName: 'Wiśniewski', stationIds: [t.stationB] });
    await add('company', {
      kind: 'company',
      companyName: 'Autokorjaamo Oy',
      externalIds: [{ system: 'dms', id: 'DMS-000123' }],
      leasingCompany: true,
    });
    await add('passive', { firstName: 'Pekka', lastName: 'Mäkinen', status: 'passive' });
    await add('elsewhere', { firstName: 'Matti', lastName: 'Mäkinen' }, other.admin);
  });
  afterAll(async () => {
    await rpc?.close();
    await h?.close();
    await deleteBrokerObjects(AMQP_URL, { queues: [queue], exchanges: [] });
  });

  /** Every page of the matches, `limit` ids at a time. */
  const allMatches = async (criteria: CustomerSearchCriteriaDto, limit = 2, ctx = t.admin) => {
    const found: string[] = [];
    let cursor: string | undefined;
    do {
      const page: ReportablePage<string> = await matches.matches(ctx, {
        criteria,
        limit,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      found.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return found;
  };
  const listed = async (criteria: CustomerSearchCriteriaDto) =>
    (await h.customers.search(t.admin, { ...criteria, limit: 100 })).items.map((c) => c.id);

  it('answers, page by page in id order, exactly the customers the list finds', async () => {
    const cases: CustomerSearchCriteriaDto[] = [
      {},
      { q: 'makinen' },
      { q: 'makinen', includePassive: true },
      { q: '040 123 4567' },
      { q: 'liisa@firma.test' },
      { externalId: 'dms:DMS-000123' },
      { leasingCompany: true },
      { leasingCompany: false, stationIds: [t.stationA] },
      { stationIds: [t.stationB] },
      { createdFrom: '2000-01-01', createdTo: '2000-12-31' },
      { createdFrom: new Date(Date.now() - 3_600_000).toISOString() },
      { marketingConsent: 'neither' },
      { q: 'nobody-at-all' },
    ];
    for (const criteria of cases) {
      const found = await allMatches(criteria);
      expect({ criteria, found: [...found].sort() }).toEqual({
        criteria,
        found: (await listed(criteria)).sort(),
      });
      expect(found).toEqual([...found].sort());
    }
    expect(await allMatches({ q: 'makinen', includePassive: true })).toHaveLength(3);
    expect(await allMatches({})).not.toContain(ids.elsewhere);
  });

  it('makes regularOf me the caller', async () => {
    const mine = (
      await h.customers.create(t.admin, {
        firstName: 'Oma',
        lastName: 'Asiakas',
        regularOfUserId: t.admin.userId,
      })
    ).customer.id;
    expect(await allMatches({ regularOf: 'me' })).toEqual([mine]);
  });

  it('answers bad data over the real command queue with problems naming the field', async () => {
    const page = await rpc.call(CUSTOMERS.reportableMatches, t.admin, {
      criteria: { q: 'makinen' },
      limit: 1,
    });
    expect(page.items).toHaveLength(1);
    const bad = async (data: unknown, field: string) => {
      const problem = await problemOf(
        rpc.call(CUSTOMERS.reportableMatches, t.admin, data as { criteria: object }),
      );
      expect(problem.status).toBe(422);
      expect(problem.errors?.map((e) => e.field)).toContain(field);
    };
    await bad({}, 'criteria');
    await bad({ criteria: { q: 5 } }, 'q');
    await bad({ criteria: { stationIds: ['nope'] } }, 'stationIds');
    await bad({ criteria: { limit: 5 } }, 'limit');
    await bad({ criteria: {}, limit: 10_001 }, 'limit');
    const cursor = await problemOf(
      rpc.call(CUSTOMERS.reportableMatches, t.admin, { criteria: {}, cursor: 'bm90LW91cnM' }),
    );
    expect(cursor.status).toBe(422);
    const worker = await problemOf(
      rpc.call(CUSTOMERS.reportableMatches, t.worker, { criteria: {} }),
    );
    expect(worker.status).toBe(403);
  });

  it('is for the tenant’s admin: a worker is refused', async () => {
    const problem = await problemOf(matches.matches(t.worker, { criteria: {} }));
    expect(problem.status).toBe(403);
    const caller = { ...t.admin, tenant: null };
    expect((await problemOf(matches.matches(caller, { criteria: {} }))).status).toBe(403);
  });
});
