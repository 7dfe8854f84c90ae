import { randomUUID } from 'node:crypto';
import type { CreateCustomerDto, CustomerView } from '@kanta/contracts';
import {
  problemOf,
  startCustomers,
  superadmin,
  tenantFixture,
  type CustomersHarness,
} from './support';

describe('customers service (real Postgres)', () => {
  let h: CustomersHarness;
  beforeAll(async () => {
    h = await startCustomers('customers');
  });
  afterAll(async () => {
    await h.close();
  });

  const create = (
    ctx: ReturnType<typeof tenantFixture>['admin'],
    customer: CreateCustomerDto,
    key?: string,
  ) => h.customers.create(ctx, customer, key);

  const outboxRows = async (customerId: string) =>
    h.dataSource.query<{ type: string; envelope: { payload: Record<string, unknown> } }[]>(
      `SELECT type, envelope FROM customers.outbox WHERE envelope->'payload'->>'customerId' = $1 ORDER BY id`,
      [customerId],
    );

  describe('create', () => {
    it('normalises the phone to E.164 with the tenant country, keeps it as typed, lower-cases the e-mail', async () => {
      const t = tenantFixture('FI');
      const { customer, replayed } = await create(t.admin, {
        firstName: 'Matti',
        lastName: 'Mäkinen',
        phone: '040 123 4567',
        email: 'Matti.Makinen@Example.TEST',
      });
      expect(replayed).toBe(false);
      expect(customer).toMatchObject({
        kind: 'person',
        phone: '+358401234567',
        phoneRaw: '040 123 4567',
        email: 'matti.makinen@example.test',
        status: 'active',
        origin: 'reception',
        stationIds: [t.stationA],
        version: 1,
      });
      expect(customer.customerNumber).toMatch(/^\d+$/);
    });

    it('numbers customers per tenant from a counter and skips numbers already taken by hand', async () => {
      const t = tenantFixture();
      const first = await create(t.admin, { firstName: 'A', lastName: 'One' });
      const manual = await create(t.admin, {
        firstName: 'B',
        lastName: 'Two',
        customerNumber: String(Number(first.customer.customerNumber) + 1),
      });
      const third = await create(t.admin, { firstName: 'C', lastName: 'Three' });
      expect(first.customer.customerNumber).toBe('1');
      expect(manual.customer.customerNumber).toBe('2');
      expect(third.customer.customerNumber).toBe('3');
      const other = tenantFixture();
      expect(
        (await create(other.admin, { firstName: 'D', lastName: 'Four' })).customer.customerNumber,
      ).toBe('1');
    });

    it('gives concurrent creates distinct numbers', async () => {
      const t = tenantFixture();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          create(t.admin, { firstName: 'Same', lastName: `N${i}` }),
        ),
      );
      const numbers = results.map((r) => r.customer.customerNumber);
      expect(new Set(numbers).size).toBe(20);
    });

    it('refuses a customer number that is taken with a 409 naming customerNumber', async () => {
      const t = tenantFixture();
      await create(t.admin, { firstName: 'A', lastName: 'B', customerNumber: 'K-100' });
      const problem = await problemOf(
        create(t.admin, { firstName: 'C', lastName: 'D', customerNumber: 'K-100' }),
      );
      expect(problem.status).toBe(409);
      expect(problem.errors?.map((e) => e.field)).toEqual(['customerNumber']);
    });

    it('refuses an external id another customer holds with a 409 naming it, and writes nothing', async () => {
      const t = tenantFixture();
      await create(t.admin, {
        firstName: 'A',
        lastName: 'B',
        externalIds: [{ system: 'dms', id: 'D-1' }],
      });
      const problem = await problemOf(
        create(t.admin, {
          firstName: 'Ext',
          lastName: 'Loser',
          externalIds: [
            { system: 'dms', id: 'D-2' },
            { system: 'dms', id: 'D-1' },
          ],
        }),
      );
      expect(problem.status).toBe(409);
      expect(problem.errors).toEqual([
        expect.objectContaining({ field: 'externalIds.1.id', reason: 'taken' }),
      ]);
      const page = await h.customers.search(t.admin, { q: 'loser' });
      expect(page.items).toHaveLength(0);
      // The same external id in another tenant is no conflict.
      const other = tenantFixture();
      await expect(
        create(other.admin, {
          firstName: 'A',
          lastName: 'B',
          externalIds: [{ system: 'dms', id: 'D-1' }],
        }),
      ).resolves.toBeDefined();
    });

    it('answers an invalid phone with a 422 on the phone field', async () => {
      const t = tenantFixture('FI');
      const problem = await problemOf(
        create(t.admin, { firstName: 'A', lastName: 'B', phone: '040 12' }),
      );
      expect(problem.status).toBe(422);
      expect(problem.errors?.map((e) => e.field)).toEqual(['phone']);
    });

    it('applies the default rules: a person needs first and last name, listed together', async () => {
      const t = tenantFixture();
      const problem = await problemOf(create(t.admin, { email: 'x@example.test' }));
      expect(problem.status).toBe(422);
      expect(problem.errors?.map((e) => e.field).sort()).toEqual(['firstName', 'lastName']);
    });

    it('applies tenant rules "name plus at least a phone or an e-mail", naming every missing field', async () => {
      const t = tenantFixture();
      await h.fieldRules.put(t.admin, {
        person: { required: ['firstName', 'lastName'], atLeastOneOf: [['phone', 'email']] },
        company: { required: ['companyName'], atLeastOneOf: [] },
      });
      const problem = await problemOf(create(t.admin, { firstName: 'Anna' }));
      expect(problem.errors?.map((e) => e.field).sort()).toEqual(['email', 'lastName', 'phone']);
      await expect(
        create(t.admin, { firstName: 'Anna', lastName: 'K', email: 'a@example.test' }),
      ).resolves.toBeDefined();
      // Another tenant still has the defaults.
      const other = tenantFixture();
      await expect(
        create(other.admin, { firstName: 'Anna', lastName: 'K' }),
      ).resolves.toBeDefined();
    });

    it('lets a worker assign only their own stations', async () => {
      const t = tenantFixture();
      const problem = await problemOf(
        create(t.worker, { firstName: 'A', lastName: 'B', stationIds: [t.stationB] }),
      );
      expect(problem.status).toBe(422);
      expect(problem.errors?.map((e) => e.field)).toEqual(['stationIds']);
    });

    it('writes customers.customer.created.v1 with ids, classification and reachability only', async () => {
      const t = tenantFixture();
      const { customer } = await create(t.admin, {
        firstName: 'Outbox',
        lastName: 'Person',
        email: 'outbox@example.test',
        origin: 'kiosk',
      });
      const rows = await outboxRows(customer.id);
      // With the card's version on the reporting stream (reporting-stream.int-spec.ts).
      expect(rows.map((r) => r.type)).toEqual([
        'customers.customer.created.v1',
        'customers.customer.reportable.v1',
      ]);
      expect(rows[0].envelope).toMatchObject({
        tenantId: t.tenantId,
        producer: 'customers',
        correlationId: t.admin.correlationId,
      });
      expect(rows[0].envelope.payload).toEqual({
        customerId: customer.id,
        customerNumber: customer.customerNumber,
        kind: 'person',
        status: 'active',
        origin: 'kiosk',
        stationIds: [t.stationA],
        version: 1,
        // Whether there is an e-mail or a phone to reach (for contactability), never the values.
        hasEmail: true,
        hasPhone: false,
      });
    });

    it('leaves no outbox row behind when the create fails after writing the customer and its event', async () => {
      const t = tenantFixture();
      // Fires at the commit, after the customer, its external ids and its event are written:
      // the create fails as late as a create can. (DDL is the owner's: the test's own connection.)
      await h.db.query(
        `CREATE FUNCTION customers.fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'refused at commit'; END $$`,
      );
      await h.db.query(
        `CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON customers.customers
           DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
           WHEN (NEW.customer_number = 'FAIL-AT-COMMIT') EXECUTE FUNCTION customers.fail_at_commit()`,
      );
      const events = async (): Promise<number> =>
        Number(
          (
            await h.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM customers.outbox')
          )[0].n,
        );
      try {
        const before = await events();
        await expect(
          create(t.admin, {
            firstName: 'Late',
            lastName: 'Failure',
            customerNumber: 'FAIL-AT-COMMIT',
            externalIds: [{ system: 'dms', id: 'late-1' }],
          }),
        ).rejects.toThrow('refused at commit');
        const kept = await h.dataSource.query<unknown[]>(
          `SELECT 1 FROM customers.customers WHERE tenant_id = $1`,
          [t.tenantId],
        );
        expect(kept).toEqual([]);
        expect(await events()).toBe(before);

        await create(t.admin, { firstName: 'On', lastName: 'Time', customerNumber: 'ON-TIME' });
        // Its event and its version on the reporting stream.
        expect(await events()).toBe(before + 2);
      } finally {
        await h.db.query('DROP TRIGGER fail_at_commit ON customers.customers');
        await h.db.query('DROP FUNCTION customers.fail_at_commit()');
      }
    });
  });

  describe('idempotency', () => {
    it('answers the same key again with the first customer, marked replayed, creating nothing', async () => {
      const t = tenantFixture();
      const key = `key-${randomUUID()}`;
      const body = { firstName: 'Idem', lastName: 'Potent', phone: '+358 40 7654321' };
      const first = await create(t.admin, body, key);
      const again = await create(
        t.admin,
        { lastName: 'Potent', phone: '+358 40 7654321', firstName: 'Idem' },
        key,
      );
      expect(again.replayed).toBe(true);
      expect(again.customer.id).toBe(first.customer.id);
      expect((await h.customers.search(t.admin, { q: 'potent' })).items).toHaveLength(1);
      // One created event and one reporting stream version: the replay wrote nothing.
      expect(await outboxRows(first.customer.id)).toHaveLength(2);
    });

    it('refuses the same key with a different body as idempotency-key-reused', async () => {
      const t = tenantFixture();
      const key = `key-${randomUUID()}`;
      await create(t.admin, { firstName: 'A', lastName: 'B' }, key);
      const problem = await problemOf(create(t.admin, { firstName: 'A', lastName: 'C' }, key));
      expect(problem.status).toBe(422);
      expect(problem.type).toMatch(/idempotency-key-reused$/);
    });

    it('creates one customer when the same key arrives twice at once', async () => {
      const t = tenantFixture();
      const key = `key-${randomUUID()}`;
      const [a, b] = await Promise.all([
        create(t.admin, { firstName: 'Race', lastName: 'Twin' }, key),
        create(t.admin, { firstName: 'Race', lastName: 'Twin' }, key),
      ]);
      expect(a.customer.id).toBe(b.customer.id);
      expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    });

    it('keeps keys per tenant', async () => {
      const key = `key-${randomUUID()}`;
      const one = await create(tenantFixture().admin, { firstName: 'A', lastName: 'B' }, key);
      const two = await create(tenantFixture().admin, { firstName: 'A', lastName: 'B' }, key);
      expect(two.replayed).toBe(false);
      expect(two.customer.id).not.toBe(one.customer.id);
    });
  });

  describe('get', () => {
    it('shows a worker only customers sharing one of their stations, and 404s the rest', async () => {
      const t = tenantFixture();
      const atA = (
        await create(t.admin, { firstName: 'A', lastName: 'A', stationIds: [t.stationA] })
      ).customer;
      const atB = (
        await create(t.admin, { firstName: 'B', lastName: 'B', stationIds: [t.stationB] })
      ).customer;
      await expect(h.customers.get(t.worker, atA.id)).resolves.toMatchObject({ id: atA.id });
      expect((await problemOf(h.customers.get(t.worker, atB.id))).status).toBe(404);
      await expect(h.customers.get(t.admin, atB.id)).resolves.toMatchObject({ id: atB.id });
    });

    it('answers 404 for another tenant’s customer, an unknown id and a malformed id', async () => {
      const t = tenantFixture();
      const other = tenantFixture();
      const theirs = (await create(other.admin, { firstName: 'X', lastName: 'Y' })).customer;
      for (const id of [theirs.id, randomUUID(), 'not-a-uuid', "1' OR '1'='1"]) {
        const problem = await problemOf(h.customers.get(t.admin, id));
        expect(problem.status).toBe(404);
      }
    });
  });

  describe('update', () => {
    let t: ReturnType<typeof tenantFixture>;
    let customer: CustomerView;
    beforeEach(async () => {
      t = tenantFixture();
      customer = (
        await create(t.admin, {
          firstName: 'Juha',
          lastName: 'Virtanen',
          phone: '040 111 2222',
          notes: 'old note',
          externalIds: [{ system: 'dms', id: 'V-1' }],
        })
      ).customer;
    });

    it('merges the patch, clears fields sent as null, bumps the version and reports changed field names', async () => {
      const updated = await h.customers.update(t.admin, customer.id, 1, {
        email: 'Juha@Example.test',
        notes: null,
        phone: '+48 501 234 567',
      });
      expect(updated).toMatchObject({
        firstName: 'Juha',
        email: 'juha@example.test',
        notes: null,
        phone: '+48501234567',
        version: 2,
      });
      const rows = await outboxRows(customer.id);
      // Each version also on the reporting stream (reporting-stream.int-spec.ts).
      expect(rows.map((r) => r.type)).toEqual([
        'customers.customer.created.v1',
        'customers.customer.reportable.v1',
        'customers.customer.reportable.v1',
        'customers.customer.updated.v1',
      ]);
      expect(rows[3].envelope.payload).toMatchObject({
        version: 2,
        changedFields: ['phone', 'email', 'notes'],
      });
      expect(JSON.stringify(rows[3].envelope)).not.toContain('juha@example.test');
    });

    it('refuses a stale expectedVersion with 412 and changes nothing', async () => {
      await h.customers.update(t.admin, customer.id, 1, { notes: 'first' });
      const problem = await problemOf(
        h.customers.update(t.admin, customer.id, 1, { notes: 'second' }),
      );
      expect(problem.status).toBe(412);
      expect((await h.customers.get(t.admin, customer.id)).notes).toBe('first');
    });

    it('re-validates the field rules on the merged result', async () => {
      const problem = await problemOf(
        h.customers.update(t.admin, customer.id, 1, { lastName: null }),
      );
      expect(problem.status).toBe(422);
      expect(problem.errors?.map((e) => e.field)).toEqual(['lastName']);
    });

    it('refuses to clear the customer number or status', async () => {
      const problem = await problemOf(
        h.customers.update(t.admin, customer.id, 1, {
          customerNumber: null,
          status: null,
        } as never),
      );
      expect(problem.errors?.map((e) => e.field).sort()).toEqual(['customerNumber', 'status']);
    });

    it('replaces external ids, frees the old ones, and 409s one held by another customer', async () => {
      const other = (
        await create(t.admin, {
          firstName: 'O',
          lastName: 'P',
          externalIds: [{ system: 'dms', id: 'V-9' }],
        })
      ).customer;
      const updated = await h.customers.update(t.admin, customer.id, 1, {
        externalIds: [{ system: 'dms', id: 'V-2' }],
      });
      expect(updated.externalIds).toEqual([{ system: 'dms', id: 'V-2' }]);
      await expect(
        h.customers.update(t.admin, other.id, 1, { externalIds: [{ system: 'dms', id: 'V-1' }] }),
      ).resolves.toMatchObject({ version: 2 });
      const problem = await problemOf(
        h.customers.update(t.admin, customer.id, 2, {
          externalIds: [{ system: 'dms', id: 'V-1' }],
        }),
      );
      expect(problem.status).toBe(409);
      expect(problem.errors?.[0]).toMatchObject({ field: 'externalIds.0.id', reason: 'taken' });
    });

    it('409s a customer number another customer has', async () => {
      await create(t.admin, { firstName: 'O', lastName: 'P', customerNumber: 'TAKEN-1' });
      const problem = await problemOf(
        h.customers.update(t.admin, customer.id, 1, { customerNumber: 'TAKEN-1' }),
      );
      expect(problem.status).toBe(409);
      expect(problem.errors?.map((e) => e.field)).toEqual(['customerNumber']);
    });

    it('404s a worker editing a customer of another station, and any caller of another tenant', async () => {
      const atB = (
        await create(t.admin, { firstName: 'B', lastName: 'B', stationIds: [t.stationB] })
      ).customer;
      expect(
        (await problemOf(h.customers.update(t.worker, atB.id, 1, { notes: 'x' }))).status,
      ).toBe(404);
      const other = tenantFixture();
      expect(
        (await problemOf(h.customers.update(other.admin, customer.id, 1, { notes: 'x' }))).status,
      ).toBe(404);
      expect((await h.customers.get(t.admin, customer.id)).version).toBe(1);
    });
  });

  describe('search', () => {
    let t: ReturnType<typeof tenantFixture>;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      t = tenantFixture('FI');
      const add = async (name: string, body: CreateCustomerDto) => {
        ids[name] = (await create(t.admin, body)).customer.id;
      };
      await add('makinen', { firstName: 'Matti', lastName: 'Makinen', phone: '+358401234567' });
      await add('maekinen', { firstName: 'Liisa', lastName: 'Mäkinen', email: 'liisa@firma.test' });
      await add('wisniewski', {
        firstName: 'Jan',
        lastName: 'Wiśniewski',
        stationIds: [t.stationB],
      });
      await add('company', {
        kind: 'company',
        companyName: 'Autokorjaamo Oy',
        customerNumber: 'AK-77',
        externalIds: [{ system: 'dms', id: 'DMS-000123' }],
      });
      await add('passive', { firstName: 'Pekka', lastName: 'Passiivinen', status: 'passive' });
    });

    const find = async (q: string, ctx = t.admin) =>
      (await h.customers.search(ctx, { q, limit: 100 })).items.map((c) => c.id);

    it('is accent- and case-insensitive in both directions', async () => {
      expect(await find('mäkinen')).toEqual(expect.arrayContaining([ids.makinen, ids.maekinen]));
      expect(await find('MAKINEN')).toEqual(expect.arrayContaining([ids.makinen, ids.maekinen]));
      expect(await find('wisniewski')).toEqual([ids.wisniewski]);
    });

    it('finds a phone however it is typed', async () => {
      for (const q of [
        '040 123 4567',
        '+358 40 1234567',
        '0401234567',
        '+358401234567',
        '040-123 4567',
        '00358401234567',
      ]) {
        expect(await find(q)).toEqual([ids.makinen]);
      }
    });

    it('requires every word to match some field', async () => {
      expect(await find('matti makinen')).toEqual([ids.makinen]);
      expect(await find('liisa makinen')).toEqual([ids.maekinen]);
      expect(await find('matti wisniewski')).toEqual([]);
    });

    it('finds by e-mail, customer number, external id and company name', async () => {
      expect(await find('liisa@firma.test')).toEqual([ids.maekinen]);
      expect(await find('ak-77')).toEqual([ids.company]);
      expect(await find('dms-000123')).toEqual([ids.company]);
      expect(await find('autokorjaamo')).toEqual([ids.company]);
    });

    it('treats LIKE wildcards in the query as plain characters', async () => {
      expect(await find('%')).toEqual([]);
      expect(await find('_')).toEqual([]);
    });

    it('hides passive customers unless includePassive', async () => {
      expect(await find('passiivinen')).toEqual([]);
      const page = await h.customers.search(t.admin, { q: 'passiivinen', includePassive: true });
      expect(page.items.map((c) => c.id)).toEqual([ids.passive]);
    });

    it('limits a worker to their stations, even when they ask for others', async () => {
      expect(await find('wisniewski', t.worker)).toEqual([]);
      const page = await h.customers.search(t.worker, {
        q: 'wisniewski',
        stationIds: [t.stationB],
      });
      expect(page.items).toEqual([]);
      const admin = await h.customers.search(t.admin, { stationIds: [t.stationB] });
      expect(admin.items.map((c) => c.id)).toEqual([ids.wisniewski]);
    });

    it('never shows another tenant’s customers, whatever the query or filter', async () => {
      const other = tenantFixture('FI');
      expect((await h.customers.search(other.admin, { limit: 100 })).items).toEqual([]);
      expect((await h.customers.search(other.admin, { q: 'makinen' })).items).toEqual([]);
      expect(
        (
          await h.customers.search(other.admin, {
            stationIds: [t.stationA, t.stationB],
            includePassive: true,
          })
        ).items,
      ).toEqual([]);
    });

    it('filters by creation time', async () => {
      const future = new Date(Date.now() + 60_000).toISOString();
      expect((await h.customers.search(t.admin, { createdFrom: future })).items).toEqual([]);
      const all = await h.customers.search(t.admin, { createdTo: future, limit: 100 });
      expect(all.items.length).toBe(4);
    });

    it('pages with an opaque cursor in a stable order, without repeats or gaps', async () => {
      const p = tenantFixture();
      for (let i = 0; i < 7; i++) {
        await create(p.admin, { firstName: `F${i}`, lastName: i % 2 ? 'Same' : 'Other' });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.customers.search(p.admin, { limit: 3, cursor });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      const whole = (await h.customers.search(p.admin, { limit: 100 })).items.map((c) => c.id);
      expect(seen).toEqual(whole);
    });

    it('answers an invalid cursor with a 422 on the cursor field', async () => {
      const problem = await problemOf(h.customers.search(t.admin, { cursor: 'bm90IGEgY3Vyc29y' }));
      expect(problem.status).toBe(422);
      expect(problem.errors?.map((e) => e.field)).toEqual(['cursor']);
    });
  });

  describe('field rules', () => {
    it('are the defaults until set, and only an admin may read or change them', async () => {
      const t = tenantFixture();
      await expect(h.fieldRules.get(t.admin)).resolves.toMatchObject({
        person: { required: ['firstName', 'lastName'] },
      });
      expect((await problemOf(h.fieldRules.get(t.worker))).status).toBe(403);
      expect(
        (
          await problemOf(
            h.fieldRules.put(t.worker, {
              person: { required: [], atLeastOneOf: [] },
              company: { required: [], atLeastOneOf: [] },
            }),
          )
        ).status,
      ).toBe(403);
    });
  });

  it('answers 403 to a caller without a tenant for every pattern', async () => {
    const id = randomUUID();
    // One at a time: a call made while another is awaited would reject unheard.
    for (const action of [
      () => h.customers.create(superadmin, { firstName: 'A', lastName: 'B' }),
      () => h.customers.get(superadmin, id),
      () => h.customers.update(superadmin, id, 1, { notes: 'x' }),
      () => h.customers.search(superadmin, {}),
      () => h.fieldRules.get(superadmin),
      () =>
        h.fieldRules.put(superadmin, {
          person: { required: [], atLeastOneOf: [] },
          company: { required: [], atLeastOneOf: [] },
        }),
    ]) {
      expect((await problemOf(action())).status).toBe(403);
    }
  });
});
