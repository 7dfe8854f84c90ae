import { randomUUID } from 'node:crypto';
import { escapeLiteral } from 'pg';
import type {
  CallerContext,
  CreateCustomerDto,
  DuplicateCandidate,
  DuplicatePairPage,
} from '@kanta/contracts';
import { blankCard } from '../src/customers/customer-row';
import { candidatesStatement } from '../src/duplicates/duplicates.repository';
import {
  duplicatesOf,
  problemOf,
  startCustomers,
  superadmin,
  tenantFixture,
  type CustomersHarness,
  type TenantFixture,
} from './support';

interface DuplicateProblem {
  status: number;
  type: string;
  candidates: DuplicateCandidate[];
  hiddenCandidates: number;
  errors?: { field: string; reason: string }[];
}

jest.setTimeout(30_000);

describe('duplicate detection (real Postgres and Redis)', () => {
  let h: CustomersHarness;
  let duplicates: ReturnType<typeof duplicatesOf>;
  beforeAll(async () => {
    h = await startCustomers('duplicates');
    duplicates = duplicatesOf(h.app);
  });
  afterAll(async () => {
    await h.close();
  });

  const create = async (ctx: CallerContext, customer: CreateCustomerDto, allowDuplicate = false) =>
    (await h.customers.create(ctx, customer, undefined, { allowDuplicate })).customer;
  const duplicateOf = async (
    ctx: CallerContext,
    customer: CreateCustomerDto,
  ): Promise<DuplicateProblem> =>
    (await problemOf(h.customers.create(ctx, customer))) as unknown as DuplicateProblem;
  /** Creates `existing`, then tries `input`: the first customer and the 409 of the second. */
  const probe = async (
    ctx: CallerContext,
    existing: CreateCustomerDto,
    input: CreateCustomerDto,
  ) => {
    const first = await create(ctx, existing);
    return { first, problem: await duplicateOf(ctx, input) };
  };
  /** Two customers with the same fields, the second created with allowDuplicate. */
  const twins = async (ctx: CallerContext, lastName: string, phone: string) => {
    const fields = { firstName: 'Testi', lastName, phone };
    return [await create(ctx, fields), await create(ctx, fields, true)];
  };
  const allowingDuplicate = (ctx: CallerContext, customer: CreateCustomerDto) =>
    problemOf(h.customers.create(ctx, customer, undefined, { allowDuplicate: true }));
  const pairs = (ctx: CallerContext, query = {}): Promise<DuplicatePairPage> =>
    duplicates.list(ctx, query);
  const pairIds = (page: DuplicatePairPage): string[][] =>
    page.items.map((p) => p.customers.map((c) => c.id));

  describe('on create', () => {
    it('finds the same E.164 phone typed another way', async () => {
      const t = tenantFixture('FI');
      const { first, problem } = await probe(
        t.admin,
        {
          firstName: 'Testi',
          lastName: 'Puhelin',
          phone: '040 000 1001',
        },
        {
          firstName: 'Toinen',
          lastName: 'Henkilö',
          phone: '+358 (0)40-0001001',
        },
      );
      expect(problem.status).toBe(409);
      expect(problem.type).toBe('https://kanta.dev/problems/possible-duplicate');
      expect(problem.candidates).toEqual([
        {
          customerId: first.id,
          customerNumber: first.customerNumber,
          displayName: 'Testi Puhelin',
          reasons: ['phone'],
          score: 0.6,
        },
      ]);
      expect(problem.hiddenCandidates).toBe(0);
      expect(problem.errors).toBeUndefined();
    });

    it('finds the same e-mail in another case', async () => {
      const t = tenantFixture();
      const { first, problem } = await probe(
        t.admin,
        {
          firstName: 'Testi',
          lastName: 'Posti',
          email: 'posti.one@example.test',
        },
        {
          firstName: 'Testi',
          lastName: 'Muu',
          email: 'POSTI.One@Example.TEST',
        },
      );
      expect(problem.candidates.map((c) => [c.customerId, c.reasons])).toEqual([
        [first.id, ['email']],
      ]);
    });

    it.each([
      {
        key: 'external id',
        reason: 'externalId',
        existing: { externalIds: [{ system: 'dms', id: 'DMS-TEST-1' }] },
        input: {
          externalIds: [
            { system: 'dms', id: 'DMS-TEST-2' },
            { system: 'dms', id: 'DMS-TEST-1' },
          ],
        },
        field: 'externalIds.1.id',
        slug: 'external-id-taken',
      },
      {
        key: 'customer number',
        reason: 'customerNumber',
        existing: { customerNumber: 'DUP-1' },
        input: { customerNumber: 'DUP-1' },
        field: 'customerNumber',
        slug: 'customer-number-taken',
      },
    ])(
      'finds the same $key, which stays unique with allowDuplicate',
      async ({ reason, existing, input, field, slug }) => {
        const t = tenantFixture();
        const first = await create(t.admin, { firstName: 'Testi', lastName: 'Eka', ...existing });
        const again = { firstName: 'Testi', lastName: 'Toka', ...input };
        const problem = await duplicateOf(t.admin, again);
        expect(problem.candidates.map((c) => [c.customerId, c.reasons, c.score])).toEqual([
          [first.id, [reason], 1],
        ]);
        expect(problem.errors).toEqual([expect.objectContaining({ field, reason: 'taken' })]);
        expect(await allowingDuplicate(t.admin, again)).toMatchObject({
          status: 409,
          type: `https://kanta.dev/problems/${slug}`,
        });
      },
    );

    it('finds a similar name with the same birthday, but not a dissimilar one', async () => {
      const t = tenantFixture();
      const { first, problem } = await probe(
        t.admin,
        {
          firstName: 'Anna',
          lastName: 'Testinen',
          birthday: '1980-05-17',
        },
        {
          firstName: 'Anne',
          lastName: 'Testinen',
          birthday: '1980-05-17',
        },
      );
      expect(problem.candidates).toHaveLength(1);
      expect(problem.candidates[0]).toMatchObject({
        customerId: first.id,
        reasons: ['nameAndBirthday'],
      });
      expect(problem.candidates[0].score).toBeGreaterThan(0.6);
      // Another person born the same day.
      await expect(
        create(t.admin, { firstName: 'Bertta', lastName: 'Kokeilu', birthday: '1980-05-17' }),
      ).resolves.toMatchObject({ lastName: 'Kokeilu' });
      // The same name born another day.
      await expect(
        create(t.admin, { firstName: 'Anna', lastName: 'Testinen', birthday: '1981-05-17' }),
      ).resolves.toMatchObject({ lastName: 'Testinen' });
    });

    it('finds a similar name with the same postal code written with other spacing and case', async () => {
      const t = tenantFixture('PL');
      const { first, problem } = await probe(
        t.admin,
        {
          firstName: 'Jan',
          lastName: 'Przykładowy',
          addresses: [{ type: 'home', postalCode: '00-950', city: 'Testowo' }],
        },
        {
          firstName: 'Jan',
          lastName: 'Przykladowy',
          addresses: [{ type: 'postal', postalCode: ' 00-950 ' }],
        },
      );
      expect(problem.candidates.map((c) => [c.customerId, c.reasons])).toEqual([
        [first.id, ['nameAndPostalCode']],
      ]);
      const fi = tenantFixture('FI');
      const { first: company, problem: spaced } = await probe(
        fi.admin,
        {
          kind: 'company',
          companyName: 'Esimerkki Oy',
          addresses: [{ type: 'registered', postalCode: 'fi 00100' }],
        },
        {
          kind: 'company',
          companyName: 'ESIMERKKI OY',
          addresses: [{ type: 'registered', postalCode: 'FI00100' }],
        },
      );
      expect(spaced.candidates.map((c) => c.customerId)).toEqual([company.id]);
      await expect(
        create(fi.admin, {
          kind: 'company',
          companyName: 'Aivan Muu Ab',
          addresses: [{ type: 'registered', postalCode: 'FI00100' }],
        }),
      ).resolves.toMatchObject({ companyName: 'Aivan Muu Ab' });
    });

    it('lists every reason of a candidate and caps the score at 1', async () => {
      const t = tenantFixture();
      const { first, problem } = await probe(
        t.admin,
        {
          firstName: 'Moni',
          lastName: 'Syy',
          phone: '040 000 1002',
          email: 'moni.syy@example.test',
          birthday: '1970-01-02',
        },
        {
          firstName: 'Moni',
          lastName: 'Syy',
          phone: '0400001002',
          email: 'moni.syy@example.test',
          birthday: '1970-01-02',
        },
      );
      expect(problem.candidates).toEqual([
        expect.objectContaining({
          customerId: first.id,
          reasons: ['email', 'nameAndBirthday', 'phone'],
          score: 1,
        }),
      ]);
    });

    it('counts passive customers too', async () => {
      const t = tenantFixture();
      const { problem } = await probe(
        t.admin,
        { firstName: 'Testi', lastName: 'Passiivi', phone: '040 000 1003', status: 'passive' },
        { firstName: 'Testi', lastName: 'Uusi', phone: '040 000 1003' },
      );
      expect(problem.candidates).toHaveLength(1);
    });

    it('creates with allowDuplicate and records the pair', async () => {
      const t = tenantFixture();
      const [first, second] = await twins(t.admin, 'Sallittu', '040 000 1004');
      const page = await pairs(t.admin);
      expect(pairIds(page)).toEqual([[first.id, second.id].sort()]);
      expect(page.items[0]).toMatchObject({ reasons: ['phone'], score: 0.6 });
    });

    it('replays an Idempotency-Key instead of answering the first customer as a duplicate', async () => {
      const t = tenantFixture();
      const input = { firstName: 'Testi', lastName: 'Toisto', phone: '040 000 1005' };
      const first = await h.customers.create(t.admin, input, 'dup-key-1');
      const again = await h.customers.create(t.admin, input, 'dup-key-1');
      expect(again).toMatchObject({ replayed: true, customer: { id: first.customer.id } });
    });

    it('shows a worker only the candidates they can see, and counts the others', async () => {
      const t = tenantFixture();
      const hidden = await create(t.admin, {
        firstName: 'Testi',
        lastName: 'Piilo',
        phone: '040 000 1006',
        stationIds: [t.stationB],
      });
      const visible = await create(
        t.admin,
        { firstName: 'Testi', lastName: 'Näkyvä', phone: '040 000 1006', stationIds: [t.stationA] },
        true,
      );
      const problem = await duplicateOf(t.worker, {
        firstName: 'Testi',
        lastName: 'Kolmas',
        phone: '040 000 1006',
      });
      expect(problem.candidates.map((c) => c.customerId)).toEqual([visible.id]);
      expect(problem.hiddenCandidates).toBe(1);
      expect(JSON.stringify(problem)).not.toContain(hidden.id);
    });

    it('never finds another tenant’s customers', async () => {
      const a = tenantFixture();
      const b = tenantFixture();
      await create(a.admin, {
        firstName: 'Raja',
        lastName: 'Ylitys',
        phone: '040 000 1007',
        email: 'raja@example.test',
        customerNumber: 'CROSS-1',
        externalIds: [{ system: 'dms', id: 'CROSS-1' }],
        birthday: '1990-02-03',
        addresses: [{ type: 'home', postalCode: '00990' }],
      });
      await expect(
        create(b.admin, {
          firstName: 'Raja',
          lastName: 'Ylitys',
          phone: '040 000 1007',
          email: 'raja@example.test',
          customerNumber: 'CROSS-1',
          externalIds: [{ system: 'dms', id: 'CROSS-1' }],
          birthday: '1990-02-03',
          addresses: [{ type: 'home', postalCode: '00990' }],
        }),
      ).resolves.toMatchObject({ customerNumber: 'CROSS-1' });
      expect((await pairs(b.admin)).items).toEqual([]);
      expect((await pairs(a.admin)).items).toEqual([]);
    });

    it('keeps a safe generic plan: a probe reads nothing for the keys it lacks', async () => {
      // The probe runs prepared; once PostgreSQL settles on a generic plan, a branch whose key
      // is missing must be shut before any scan, whatever join order the planner chose.
      const t = tenantFixture('FI');
      for (let i = 0; i < 30; i++) {
        await create(
          t.admin,
          {
            firstName: `Plan${i}`,
            lastName: 'Tarkistus',
            birthday: '1980-01-01',
            addresses: [{ type: 'home', postalCode: '00100' }],
          },
          true,
        );
      }
      const keys = duplicates.keysOf(
        t.admin.tenant!.id,
        {
          ...blankCard(),
          kind: 'person',
          first_name: 'Plan1',
          last_name: 'Tarkistus',
          company_name: null,
          phone: null,
          phone_raw: null,
          phone_national: null,
          email: null,
          customer_number: '',
          station_ids: [],
          external_ids: [],
        },
        false,
      );
      const { text, values } = candidatesStatement(t.admin.tenant!.id, keys, {
        excludeId: null,
        limit: 10,
      });
      const plan = await h.dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
        await manager.query(`PREPARE generic_probe AS ${text}`);
        // EXECUTE takes no bind parameters: the probe's values (text, numbers, nulls) as literals.
        const literal = (v: unknown): string =>
          v === null ? 'NULL' : escapeLiteral(typeof v === 'number' ? String(v) : (v as string));
        const rows = await manager.query<{ 'QUERY PLAN': string }[]>(
          `EXPLAIN (ANALYZE, COSTS OFF) EXECUTE generic_probe(${values.map(literal).join(', ')})`,
        );
        await manager.query(`DEALLOCATE generic_probe`);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      // Neither similarity branch reads a single customer of the tenant.
      expect(plan).toMatch(/One-Time Filter: \(\$11 IS NOT NULL\)/);
      expect(plan).toMatch(
        /One-Time Filter: \(cardinality\(customers\.address_postal_codes\(\$10\)\) > 0\)/,
      );
      expect(plan).not.toMatch(/Rows Removed by (Join )?Filter: [1-9]/);
    });
  });

  describe('suggested pairs', () => {
    it('follow updates of key fields and go away when the match does', async () => {
      const t = tenantFixture();
      const first = await create(t.admin, {
        firstName: 'Testi',
        lastName: 'Päivitys',
        email: 'one@example.test',
      });
      const second = await create(t.admin, {
        firstName: 'Testi',
        lastName: 'Päivitys',
        email: 'two@example.test',
      });
      expect((await pairs(t.admin)).items).toEqual([]);

      const changed = await h.customers.update(t.admin, second.id, 1, {
        email: 'ONE@example.test',
      });
      expect((await pairs(t.admin)).items).toEqual([
        expect.objectContaining({ reasons: ['email'], score: 0.6 }),
      ]);

      await h.customers.update(t.admin, second.id, changed.version, { phone: '040 000 1008' });
      await h.customers.update(t.admin, first.id, 1, { phone: '0400001008' });
      expect((await pairs(t.admin)).items).toEqual([
        expect.objectContaining({ reasons: ['email', 'phone'], score: 1 }),
      ]);

      await h.customers.update(t.admin, first.id, 2, { email: null, phone: null });
      expect((await pairs(t.admin)).items).toEqual([]);
    });

    it('page by score then ids with a cursor, and filter by minScore', async () => {
      const t = tenantFixture();
      // Three customers sharing a phone (0.6 each pair), two of them also an e-mail (1.0).
      const a = await create(t.admin, {
        firstName: 'Testi',
        lastName: 'Sivu',
        phone: '040 000 1009',
      });
      const b = await create(
        t.admin,
        { firstName: 'Testi', lastName: 'Sivu', phone: '040 000 1009', email: 'sivu@example.test' },
        true,
      );
      const c = await create(
        t.admin,
        { firstName: 'Testi', lastName: 'Sivu', phone: '040 000 1009', email: 'sivu@example.test' },
        true,
      );
      const first = await pairs(t.admin, { limit: 2 });
      expect(first.items.map((p) => p.score)).toEqual([1, 0.6]);
      expect(first.items[0].customers.map((x) => x.id)).toEqual([b.id, c.id].sort());
      expect(first.nextCursor).not.toBeNull();
      const second = await pairs(t.admin, { limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((p) => p.score)).toEqual([0.6]);
      expect(second.nextCursor).toBeNull();
      const all = [...pairIds(first), ...pairIds(second)].map((p) => p.join());
      expect(new Set(all).size).toBe(3);
      expect(all.every((p) => p.includes(a.id) || p === [b.id, c.id].sort().join())).toBe(true);
      expect((await pairs(t.admin, { minScore: 0.9 })).items).toHaveLength(1);
    });

    it('refuse a cursor this API did not give out', async () => {
      const t = tenantFixture();
      const problem = await problemOf(pairs(t.admin, { cursor: 'not-a-cursor' }));
      expect(problem).toMatchObject({ status: 422, errors: [{ field: 'cursor' }] });
    });

    it('show a worker only pairs of two customers they can see', async () => {
      const t = tenantFixture();
      await create(t.admin, {
        firstName: 'Testi',
        lastName: 'Asema',
        phone: '040 000 1010',
        stationIds: [t.stationB],
      });
      await create(
        t.admin,
        { firstName: 'Testi', lastName: 'Asema', phone: '040 000 1010', stationIds: [t.stationA] },
        true,
      );
      expect((await pairs(t.admin)).items).toHaveLength(1);
      expect((await pairs(t.worker)).items).toEqual([]);
    });

    it('stay dismissed once dismissed, also after the next change and scan', async () => {
      const t = tenantFixture();
      const [a, b] = await twins(t.admin, 'Hylätty', '040 000 1011');
      const dismissed = await duplicates.dismiss(t.admin, [b.id, a.id]);
      expect(dismissed.customerIds).toEqual([a.id, b.id].sort());
      expect((await pairs(t.admin)).items).toEqual([]);
      await h.customers.update(t.admin, b.id, 1, { email: 'hylatty@example.test' });
      await h.customers.update(t.admin, a.id, 1, { email: 'hylatty@example.test' });
      await duplicates.runScan(t.tenantId, async () => {});
      expect((await pairs(t.admin)).items).toEqual([]);
    });

    it('dismiss is for admins, needs two customers of the tenant, and two different ones', async () => {
      const t = tenantFixture();
      const other = tenantFixture();
      const a = await create(t.admin, { firstName: 'Testi', lastName: 'Yksi' });
      const b = await create(t.admin, { firstName: 'Testi', lastName: 'Kaksi' });
      const foreign = await create(other.admin, { firstName: 'Testi', lastName: 'Vieras' });
      expect(await problemOf(duplicates.dismiss(t.worker, [a.id, b.id]))).toMatchObject({
        status: 403,
      });
      expect(await problemOf(duplicates.dismiss(t.admin, [a.id, foreign.id]))).toMatchObject({
        status: 404,
      });
      expect(await problemOf(duplicates.dismiss(t.admin, [a.id, randomUUID()]))).toMatchObject({
        status: 404,
      });
      expect(await problemOf(duplicates.dismiss(t.admin, [a.id, a.id]))).toMatchObject({
        status: 422,
        errors: [{ field: 'customerIds', reason: 'same_customer' }],
      });
      expect(await problemOf(duplicates.dismiss(superadmin, [a.id, b.id]))).toMatchObject({
        status: 403,
      });
    });

    it('go away with a deleted customer', async () => {
      const t = tenantFixture();
      const [, b] = await twins(t.admin, 'Poisto', '040 000 1012');
      expect((await pairs(t.admin)).items).toHaveLength(1);
      await h.dataSource.query('DELETE FROM customers.customers WHERE tenant_id = $1 AND id = $2', [
        t.tenantId,
        b.id,
      ]);
      expect((await pairs(t.admin)).items).toEqual([]);
    });

    it('are never another tenant’s', async () => {
      const a = tenantFixture();
      const b = tenantFixture();
      await twins(a.admin, 'Oma', '040 000 1013');
      expect((await pairs(a.admin)).items).toHaveLength(1);
      expect((await pairs(b.admin)).items).toEqual([]);
      expect(await problemOf(pairs(superadmin))).toMatchObject({ status: 403 });
    });
  });

  describe('full scan', () => {
    async function bulkInsert(t: TenantFixture): Promise<string[]> {
      // As an import or COPY would: straight into the table, past every create-time check.
      const rows = await h.dataSource.query<{ id: string }[]>(
        `INSERT INTO customers.customers (tenant_id, first_name, last_name, phone, email,
           addresses, customer_number, station_ids, external_ids)
         SELECT $1, v.first, v.last, v.phone, v.email, v.addresses::jsonb, v.number,
                ARRAY[$2::uuid], v.external::jsonb
           FROM (VALUES
             ('Bulk', 'Puhelin', '+358400002001', NULL, '[]', 'B-1', '[]'),
             ('Toinen', 'Puhelin', '+358400002001', NULL, '[]', 'B-2', '[]'),
             ('Bulk', 'Posti', NULL, 'bulk@example.test', '[]', 'B-3', '[]'),
             ('Muu', 'Posti', NULL, 'bulk@example.test', '[]', 'B-4', '[]'),
             ('Kalle', 'Kokeilija', NULL, NULL, '[{"type":"home","postalCode":"00 100"}]', 'B-5', '[]'),
             ('Kalle', 'Kokeilia', NULL, NULL, '[{"type":"home","postalCode":"00100"}]', 'B-6', '[]'),
             ('Ei', 'Pari', NULL, NULL, '[{"type":"home","postalCode":"00100"}]', 'B-7', '[]'),
             ('Ulko', 'Yksi', NULL, NULL, '[]', 'B-8', '[{"system":"pos","id":"P-1"}]'),
             ('Ulko', 'Kaksi', NULL, NULL, '[]', 'B-9', '[{"system":"pos","id":"P-1"}]')
           ) AS v(first, last, phone, email, addresses, number, external)
         RETURNING id`,
        [t.tenantId, t.stationA],
      );
      return rows.map((r) => r.id);
    }

    it('finds pairs in bulk-inserted data, with the birthday block too', async () => {
      const t = tenantFixture();
      const ids = await bulkInsert(t);
      // Birthdays are sealed by the service, so these two come through it (each alone is no match).
      const x = await create(t.admin, { firstName: 'Synty', lastName: 'Päiväinen' });
      const y = await create(t.admin, { firstName: 'Synty', lastName: 'Paivainen' });
      const lookup = duplicates.keysOf(
        t.tenantId,
        { birthday: '1985-06-07' } as never,
        false,
      ).birthdayLookup;
      await h.dataSource.query(
        'UPDATE customers.customers SET birthday_lookup = $2 WHERE tenant_id = $1 AND id = ANY($3::uuid[])',
        [t.tenantId, lookup, [x.id, y.id]],
      );
      expect((await pairs(t.admin)).items).toEqual([]);

      const progress: number[] = [];
      const found = await duplicates.runScan(t.tenantId, async (p) => {
        progress.push(p);
      });
      expect(found).toBe(5);
      expect(progress[progress.length - 1]).toBeGreaterThan(50);
      const page = await pairs(t.admin);
      const byPair = Object.fromEntries(
        page.items.map((p) => [
          p.customers
            .map((c) => c.customerNumber)
            .sort()
            .join('+'),
          p.reasons,
        ]),
      );
      expect(byPair).toEqual({
        'B-1+B-2': ['phone'],
        'B-3+B-4': ['email'],
        'B-5+B-6': ['nameAndPostalCode'],
        'B-8+B-9': ['externalId'],
        [[x.customerNumber, y.customerNumber].sort().join('+')]: ['nameAndBirthday'],
      });
      expect(ids).toHaveLength(9);
      expect(await duplicates.getScan(t.admin)).toMatchObject({
        status: 'completed',
        progress: 100,
        pairsFound: 5,
      });
    });

    it('runs as a BullMQ job when an admin asks, and only for their tenant', async () => {
      const t = tenantFixture();
      const other = tenantFixture();
      await bulkInsert(t);
      await bulkInsert(other);
      expect(await problemOf(duplicates.requestScan(t.worker))).toMatchObject({ status: 403 });
      expect(await problemOf(duplicates.getScan(t.admin))).toMatchObject({ status: 404 });
      const queued = await duplicates.requestScan(t.admin);
      expect(['queued', 'running', 'completed']).toContain(queued.status);
      const deadline = Date.now() + 20_000;
      let scan = await duplicates.getScan(t.admin);
      while (scan.status !== 'completed' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        scan = await duplicates.getScan(t.admin);
      }
      expect(scan).toMatchObject({ status: 'completed', pairsFound: 4 });
      expect((await pairs(t.admin)).items).toHaveLength(4);
      expect((await pairs(other.admin)).items).toEqual([]);
      expect(await problemOf(duplicates.getScan(other.admin))).toMatchObject({ status: 404 });
    });
  });
});
