import type {
  CreateCustomerDto,
  CustomerSearchCriteriaDto,
  ReportablePage,
} from '@kanta/contracts';
import { ReportableMatchesController } from '../src/reporting/reportable-matches';
import { problemOf, startCustomers, tenantFixture, type CustomersHarness } from './support';

/*
 * `customers.reportable.matches`: the customers report's rows are the ids of the customers the
 * customer list would find with the same criteria — whatever the criteria — in keyset pages by
 * id, for an admin of the tenant.
 */
describe('customers service: the customers report’s matches (real Postgres)', () => {
  let h: CustomersHarness;
  let matches: ReportableMatchesController;
  const t = tenantFixture('FI');
  const other = tenantFixture('FI');
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startCustomers('reportable-matches');
    matches = h.app.get(ReportableMatchesController);
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
    await h.close();
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

  it('is for the tenant’s admin: a worker is refused', async () => {
    const problem = await problemOf(matches.matches(t.worker, { criteria: {} }));
    expect(problem.status).toBe(403);
    const caller = { ...t.admin, tenant: null };
    expect((await problemOf(matches.matches(caller, { criteria: {} }))).status).toBe(403);
  });
});
