import {
  CustomersRepository,
  type CustomerSearchCriteria,
} from '../src/customers/customers.repository';
import { containsPattern } from '../src/customers/search-query';
import { startCustomers, tenantFixture, type CustomersHarness } from './support';

/*
 * The repository searches the newest customers first and falls back to the trigram index when
 * a page does not fill up there. With a window of 3 both steps run on a handful of rows, so
 * these tests pin down that the two give one consistent, complete answer.
 */
describe('customer search in two steps (real Postgres)', () => {
  let h: CustomersHarness;
  let repository: CustomersRepository;
  const t = tenantFixture();
  const ids: string[] = [];

  beforeAll(async () => {
    h = await startCustomers('searchplan');
    repository = h.app.get(CustomersRepository);
    // Oldest first: the rare surname is the oldest customer, far outside a window of 3.
    const names = ['Harvinainen', 'Yleinen', 'Yleinen', 'Yleinen', 'Yleinen', 'Yleinen', 'Yleinen'];
    for (const [i, lastName] of names.entries()) {
      const { customer } = await h.customers.create(t.admin, { firstName: `E${i}`, lastName });
      ids.push(customer.id);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  const search = (
    words: string[],
    limit: number,
    after: string | null = null,
  ): CustomerSearchCriteria => ({
    tenantId: t.admin.tenant!.id,
    patterns: words.map(containsPattern),
    includePassive: false,
    createdFrom: null,
    createdBefore: null,
    stationIds: null,
    after: after ? { id: after } : null,
    limit,
  });

  it('finds a rare word outside the recent window through the index', async () => {
    const rows = await repository.search(search(['harvinainen'], 5), 3);
    expect(rows.map((r) => r.id)).toEqual([ids[0]]);
  });

  it('fills a page of a common word from the recent window, newest first', async () => {
    const rows = await repository.search(search(['yleinen'], 2), 3);
    expect(rows.map((r) => r.id)).toEqual([ids[6], ids[5]]);
  });

  it('pages through every match in one order whichever step answers each page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const rows = await repository.search(search(['yleinen'], 2, after), 3);
      seen.push(...rows.map((r) => r.id));
      if (rows.length < 2) break;
      after = rows[rows.length - 1].id;
    }
    expect(seen).toEqual([ids[6], ids[5], ids[4], ids[3], ids[2], ids[1]]);
  });

  it('answers the same with a window large enough to hold the whole tenant', async () => {
    const small = await repository.search(search(['e'], 10), 3);
    const large = await repository.search(search(['e'], 10), 4000);
    expect(small.map((r) => r.id)).toEqual(large.map((r) => r.id));
    expect(large).toHaveLength(7);
  });
});
