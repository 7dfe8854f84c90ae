import { randomUUID } from 'node:crypto';
import type { CreateCustomerDto, CustomerView } from '@kanta/contracts';
import {
  labelsOf,
  problemOf,
  startCustomers,
  superadmin,
  tenantFixture,
  type CustomersHarness,
  type TenantFixture,
} from './support';

describe('the customer card (real Postgres)', () => {
  let h: CustomersHarness;
  let labels: ReturnType<typeof labelsOf>;
  beforeAll(async () => {
    h = await startCustomers('card');
    labels = labelsOf(h.app);
  });
  afterAll(async () => {
    await h.close();
  });

  const create = async (t: TenantFixture, fields: CreateCustomerDto): Promise<CustomerView> =>
    (await h.customers.create(t.admin, { firstName: 'Testi', lastName: 'Asiakas', ...fields }))
      .customer;
  const patch = (t: TenantFixture, c: CustomerView, fields: Record<string, unknown>) =>
    h.customers.update(t.admin, c.id, c.version, fields);
  const updateEvents = (customerId: string) =>
    h.dataSource.query<{ envelope: { payload: { changedFields: string[]; version: number } } }[]>(
      `SELECT envelope FROM customers.outbox
        WHERE type = 'customers.customer.updated.v1'
          AND envelope->'payload'->>'customerId' = $1 ORDER BY id`,
      [customerId],
    );
  const rawRow = async (id: string) =>
    (
      await h.dataSource.query<Record<string, unknown>[]>(
        'SELECT * FROM customers.customers WHERE id = $1',
        [id],
      )
    )[0];

  describe('round trip of every card field', () => {
    it('stores and returns each new field as given', async () => {
      const t = tenantFixture();
      const group = await labels.create(t.admin, 'group', 'Regulars');
      const source = await labels.create(t.admin, 'source', 'Radio advert');
      const staff = randomUUID();
      const card = await create(t, {
        description: '  Prefers mornings  ',
        groupIds: [group.id],
        sourceId: source.id,
        regularOfUserId: staff,
        discountPercent: 12.5,
        nameDay: { month: 2, day: 29 },
        birthday: '1980-05-17',
        documents: [
          { type: 'passport', series: 'ab', number: 'x1234567' },
          { type: 'id_card', number: '998877665' },
        ],
        internal: true,
      });
      expect(card).toMatchObject({
        description: 'Prefers mornings',
        groupIds: [group.id],
        sourceId: source.id,
        regularOfUserId: staff,
        discountPercent: 12.5,
        nameDay: { month: 2, day: 29 },
        birthday: '1980-05-17',
        documents: [
          { type: 'passport', series: 'AB', number: 'X1234567' },
          { type: 'id_card', series: null, number: '998877665' },
        ],
        internal: true,
        leasingCompany: false,
        leasingCompanyId: null,
        sensitiveMasked: false,
      });
      expect(await h.customers.get(t.admin, card.id)).toEqual(card);
    });

    it('marks a company as a leasing company with its own identifier', async () => {
      const t = tenantFixture();
      const lessor = await create(t, {
        kind: 'company',
        companyName: 'Leasing Oy (test)',
        leasingCompany: true,
        leasingCompanyId: 'LSE-0001',
      });
      expect(lessor).toMatchObject({ leasingCompany: true, leasingCompanyId: 'LSE-0001' });
    });

    it('defaults a new customer to no groups, no source, no discount and not internal', async () => {
      const card = await create(tenantFixture(), {});
      expect(card).toMatchObject({
        description: null,
        groupIds: [],
        sourceId: null,
        regularOfUserId: null,
        discountPercent: null,
        nameDay: null,
        birthday: null,
        documents: [],
        internal: false,
        leasingCompany: false,
        sensitiveMasked: false,
      });
    });

    it('changes and clears each field by merge patch, naming what changed in the event', async () => {
      const t = tenantFixture();
      const group = await labels.create(t.admin, 'group', 'Allergic');
      let card = await create(t, { discountPercent: 5, birthday: '1990-01-02' });
      card = await patch(t, card, {
        groupIds: [group.id],
        discountPercent: 7.25,
        nameDay: { month: 12, day: 24 },
        documents: [{ type: 'id_card', number: 'A1' }],
      });
      expect(card).toMatchObject({
        groupIds: [group.id],
        discountPercent: 7.25,
        nameDay: { month: 12, day: 24 },
        birthday: '1990-01-02',
        version: 2,
      });
      card = await patch(t, card, { discountPercent: null, birthday: null, documents: null });
      expect(card).toMatchObject({ discountPercent: null, birthday: null, documents: [] });
      const events = await updateEvents(card.id);
      expect(events.map((e) => e.envelope.payload.changedFields)).toEqual([
        ['groupIds', 'discountPercent', 'nameDay', 'documents'],
        ['discountPercent', 'birthday', 'documents'],
      ]);
    });

    it('sees no change (and writes no event) when the same sensitive values are sent again', async () => {
      const t = tenantFixture();
      const card = await create(t, {
        birthday: '1975-03-04',
        documents: [{ type: 'passport', number: 'P123' }],
      });
      const same = await patch(t, card, {
        birthday: '1975-03-04',
        documents: [{ type: 'passport', number: 'p123' }],
      });
      expect(same.version).toBe(1);
      expect(await updateEvents(card.id)).toHaveLength(0);
    });
  });

  describe('sensitive fields', () => {
    it('keeps birthday and documents encrypted at rest: the raw columns hold no clear text', async () => {
      const t = tenantFixture();
      const card = await create(t, {
        birthday: '1966-07-08',
        documents: [{ type: 'passport', series: 'QZ', number: 'QZ7654321' }],
      });
      const row = await rawRow(card.id);
      const birthday = row.birthday_enc as Buffer;
      const documents = row.documents_enc as Buffer;
      expect(Buffer.isBuffer(birthday)).toBe(true);
      expect(birthday.includes('1966')).toBe(false);
      expect(documents.includes('7654321')).toBe(false);
      expect(JSON.stringify(row)).not.toMatch(/1966-07-08|QZ7654321/);
      // Each write seals anew: the same value twice is two different ciphertexts.
      // The same name and birthday is a possible duplicate: created anyway on purpose.
      const { customer: twin } = await h.customers.create(
        t.admin,
        { firstName: 'Testi', lastName: 'Asiakas', birthday: '1966-07-08' },
        undefined,
        { allowDuplicate: true },
      );
      expect((await rawRow(twin.id)).birthday_enc).not.toEqual(birthday);
      // …but the keyed lookup hash is the same, so duplicates can still be matched.
      expect((await rawRow(twin.id)).birthday_lookup).toEqual(row.birthday_lookup);
    });

    it('does not open a ciphertext copied onto another customer', async () => {
      const t = tenantFixture();
      const a = await create(t, { birthday: '1970-01-01' });
      const b = await create(t, {});
      await h.dataSource.query(
        `UPDATE customers.customers SET birthday_enc = (SELECT birthday_enc FROM customers.customers WHERE id = $1) WHERE id = $2`,
        [a.id, b.id],
      );
      await expect(h.customers.get(t.admin, b.id)).rejects.toThrow();
    });

    it('shows workers that sensitive data is on file but not what it says', async () => {
      const t = tenantFixture();
      const card = await create(t, {
        birthday: '1984-11-30',
        documents: [{ type: 'passport', series: 'AB', number: '12345678' }],
        stationIds: [t.stationA],
      });
      const seen = await h.customers.get(t.worker, card.id);
      expect(seen).toMatchObject({
        birthday: '****-**-**',
        documents: [{ type: 'passport', series: '**', number: '******78' }],
        sensitiveMasked: true,
      });
      const found = await h.customers.search(t.worker, { q: 'Testi' });
      expect(found.items.find((c) => c.id === card.id)?.birthday).toBe('****-**-**');
      expect((await h.customers.get(t.admin, card.id)).birthday).toBe('1984-11-30');
    });

    it('lets a worker record sensitive data without seeing it back', async () => {
      const t = tenantFixture();
      const card = await create(t, { stationIds: [t.stationA] });
      const updated = await h.customers.update(t.worker, card.id, 1, { birthday: '2001-02-03' });
      expect(updated).toMatchObject({ birthday: '****-**-**', sensitiveMasked: true });
      expect((await h.customers.get(t.admin, card.id)).birthday).toBe('2001-02-03');
    });
  });

  describe('rules between fields', () => {
    const reasons = async (t: TenantFixture, fields: CreateCustomerDto) =>
      (await problemOf(h.customers.create(t.admin, { firstName: 'A', lastName: 'B', ...fields })))
        .errors;

    it('refuses a name day that no calendar has', async () => {
      expect(await reasons(tenantFixture(), { nameDay: { month: 4, day: 31 } })).toEqual([
        expect.objectContaining({ field: 'nameDay.day', reason: 'invalid_date' }),
      ]);
    });

    it('refuses a birthday in the future or before 1900', async () => {
      const t = tenantFixture();
      const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`;
      expect(await reasons(t, { birthday: nextYear })).toEqual([
        expect.objectContaining({ field: 'birthday', reason: 'in_the_future' }),
      ]);
      expect(await reasons(t, { birthday: '1899-12-31' })).toEqual([
        expect.objectContaining({ field: 'birthday', reason: 'out_of_range' }),
      ]);
    });

    it('accepts a birthday of today', async () => {
      const today = new Date().toISOString().slice(0, 10);
      expect((await create(tenantFixture(), { birthday: today })).birthday).toBe(today);
    });

    it('allows one document of each type', async () => {
      expect(
        await reasons(tenantFixture(), {
          documents: [
            { type: 'passport', number: 'A1' },
            { type: 'passport', number: 'A2' },
          ],
        }),
      ).toEqual([expect.objectContaining({ field: 'documents.1.type', reason: 'duplicate' })]);
    });

    it('makes only companies leasing companies, and gives only them a leasing id', async () => {
      const t = tenantFixture();
      expect(await reasons(t, { leasingCompany: true })).toEqual([
        expect.objectContaining({ field: 'leasingCompany', reason: 'company_only' }),
      ]);
      expect(
        await reasons(t, { kind: 'company', companyName: 'X (test)', leasingCompanyId: 'L1' }),
      ).toEqual([
        expect.objectContaining({ field: 'leasingCompanyId', reason: 'not_leasing_company' }),
      ]);
    });

    it('refuses to clear the internal and leasing flags with null', async () => {
      const t = tenantFixture();
      const card = await create(t, {});
      const problem = await problemOf(patch(t, card, { internal: null, leasingCompany: null }));
      expect(problem.errors).toEqual([
        expect.objectContaining({ field: 'internal', reason: 'required' }),
        expect.objectContaining({ field: 'leasingCompany', reason: 'required' }),
      ]);
    });

    it('refuses groups and sources that are not the tenant’s', async () => {
      const t = tenantFixture();
      const other = tenantFixture();
      const foreignGroup = await labels.create(other.admin, 'group', 'Theirs');
      const foreignSource = await labels.create(other.admin, 'source', 'Theirs');
      expect(await reasons(t, { groupIds: [foreignGroup.id], sourceId: foreignSource.id })).toEqual(
        [
          expect.objectContaining({ field: 'groupIds', reason: 'unknown_group' }),
          expect.objectContaining({ field: 'sourceId', reason: 'unknown_source' }),
        ],
      );
      const card = await create(t, {});
      const problem = await problemOf(patch(t, card, { groupIds: [randomUUID()] }));
      expect(problem.errors).toEqual([
        expect.objectContaining({ field: 'groupIds', reason: 'unknown_group' }),
      ]);
    });

    it('lets the tenant’s field rules require any card field', async () => {
      const t = tenantFixture();
      await h.fieldRules.put(t.admin, {
        person: {
          required: ['birthday', 'source', 'group', 'document', 'nameDay', 'description'],
          atLeastOneOf: [['discount', 'regularOf']],
        },
        company: { required: ['companyName'], atLeastOneOf: [] },
      });
      const fields = (await reasons(t, {}))?.map((e) => `${e.field}:${e.reason}`);
      expect(fields).toEqual([
        'birthday:required',
        'sourceId:required',
        'groupIds:required',
        'documents:required',
        'nameDay:required',
        'description:required',
        'discountPercent:required_one_of',
        'regularOfUserId:required_one_of',
      ]);
    });
  });

  describe('groups and sources', () => {
    it('lists them by name with customer counts on request', async () => {
      const t = tenantFixture();
      const b = await labels.create(t.admin, 'group', 'b-regulars');
      const a = await labels.create(t.admin, 'group', 'A-occasional');
      await create(t, { groupIds: [a.id, b.id] });
      await create(t, { groupIds: [b.id], status: 'passive' });
      const plain = await labels.list(t.admin, 'group');
      expect(plain.items.map((l) => l.name)).toEqual(['A-occasional', 'b-regulars']);
      expect(plain.items[0].customerCount).toBeUndefined();
      const counted = await labels.list(t.worker, 'group', true);
      expect(counted.items.map((l) => [l.name, l.customerCount])).toEqual([
        ['A-occasional', 1],
        ['b-regulars', 2],
      ]);
    });

    it('counts customers per source', async () => {
      const t = tenantFixture();
      const radio = await labels.create(t.admin, 'source', 'Radio');
      const web = await labels.create(t.admin, 'source', 'Web');
      await create(t, { sourceId: radio.id });
      await create(t, { sourceId: radio.id });
      await create(t, { sourceId: web.id });
      await create(t, {});
      const counted = await labels.list(t.admin, 'source', true);
      expect(counted.items.map((l) => [l.name, l.customerCount])).toEqual([
        ['Radio', 2],
        ['Web', 1],
      ]);
    });

    it('keeps names unique per list and tenant, ignoring case and accents', async () => {
      const t = tenantFixture();
      await labels.create(t.admin, 'group', 'Vakituiset');
      expect(await problemOf(labels.create(t.admin, 'group', 'VAKITUISET'))).toMatchObject({
        status: 409,
        errors: [{ field: 'name', reason: 'taken' }],
      });
      // The same name is free as a source, and in another tenant.
      await labels.create(t.admin, 'source', 'Vakituiset');
      await labels.create(tenantFixture().admin, 'group', 'Vakituiset');
      const other = await labels.create(t.admin, 'group', 'Satunnaiset');
      expect(
        await problemOf(labels.rename(t.admin, 'group', other.id, 'vakituiset')),
      ).toMatchObject({ status: 409 });
    });

    it('renames a group without touching its customers', async () => {
      const t = tenantFixture();
      const group = await labels.create(t.admin, 'group', 'Old name');
      const card = await create(t, { groupIds: [group.id] });
      const renamed = await labels.rename(t.admin, 'group', group.id, '  New name ');
      expect(renamed.name).toBe('New name');
      expect((await h.customers.get(t.admin, card.id)).version).toBe(1);
    });

    it('releases the members of a deleted group, each with a new version and an event', async () => {
      const t = tenantFixture();
      const keep = await labels.create(t.admin, 'group', 'Keep');
      const gone = await labels.create(t.admin, 'group', 'Gone');
      const member = await create(t, { groupIds: [keep.id, gone.id] });
      const outsider = await create(t, { groupIds: [keep.id] });
      expect(await labels.delete(t.admin, 'group', gone.id)).toEqual({ released: 1 });
      expect(await h.customers.get(t.admin, member.id)).toMatchObject({
        groupIds: [keep.id],
        version: 2,
      });
      expect((await h.customers.get(t.admin, outsider.id)).version).toBe(1);
      expect((await updateEvents(member.id)).map((e) => e.envelope.payload)).toEqual([
        expect.objectContaining({ changedFields: ['groupIds'], version: 2 }),
      ]);
      expect(await problemOf(labels.delete(t.admin, 'group', gone.id))).toMatchObject({
        status: 404,
      });
    });

    it('releases the customers of a deleted source', async () => {
      const t = tenantFixture();
      const source = await labels.create(t.admin, 'source', 'Flyer');
      const card = await create(t, { sourceId: source.id });
      expect(await labels.delete(t.admin, 'source', source.id)).toEqual({ released: 1 });
      expect(await h.customers.get(t.admin, card.id)).toMatchObject({ sourceId: null, version: 2 });
    });

    it('lets workers read the lists but only admins change them', async () => {
      const t = tenantFixture();
      const group = await labels.create(t.admin, 'group', 'Admins only');
      for (const attempt of [
        labels.create(t.worker, 'group', 'Mine'),
        labels.rename(t.worker, 'group', group.id, 'Mine'),
        labels.delete(t.worker, 'group', group.id),
      ]) {
        expect(await problemOf(attempt)).toMatchObject({ status: 403 });
      }
      expect((await labels.list(t.worker, 'group')).items).toHaveLength(1);
    });

    it('never shows or changes another tenant’s labels', async () => {
      const t = tenantFixture();
      const other = tenantFixture();
      const theirs = await labels.create(other.admin, 'group', 'Theirs');
      expect((await labels.list(t.admin, 'group')).items).toEqual([]);
      expect(await problemOf(labels.rename(t.admin, 'group', theirs.id, 'Mine'))).toMatchObject({
        status: 404,
      });
      expect(await problemOf(labels.delete(t.admin, 'group', theirs.id))).toMatchObject({
        status: 404,
      });
      expect(await problemOf(labels.list(superadmin, 'group'))).toMatchObject({ status: 403 });
    });
  });

  describe('search filters', () => {
    let t: TenantFixture;
    const ids: Record<string, string> = {};
    let staff: string;
    let groupId: string;
    let sourceId: string;

    beforeAll(async () => {
      t = tenantFixture();
      staff = t.worker.userId;
      groupId = (await labels.create(t.admin, 'group', 'Filtered')).id;
      sourceId = (await labels.create(t.admin, 'source', 'Filtered')).id;
      ids.grouped = (await create(t, { lastName: 'Grouped', groupIds: [groupId] })).id;
      ids.sourced = (await create(t, { lastName: 'Sourced', sourceId })).id;
      ids.regular = (await create(t, { lastName: 'Regular', regularOfUserId: staff })).id;
      ids.internal = (await create(t, { lastName: 'Internal', internal: true })).id;
      ids.lessor = (
        await create(t, { kind: 'company', companyName: 'Lessor (test)', leasingCompany: true })
      ).id;
      ids.external = (
        await create(t, { lastName: 'External', externalIds: [{ system: 'dms', id: 'D-42' }] })
      ).id;
    });

    const found = async (query: Record<string, unknown>, caller = t.admin) =>
      (await h.customers.search(caller, query)).items.map((c) => c.id);

    it('filters by group, source and whose regular customer', async () => {
      expect(await found({ groupIds: [groupId] })).toEqual([ids.grouped]);
      expect(await found({ sourceId })).toEqual([ids.sourced]);
      expect(await found({ regularOf: staff })).toEqual([ids.regular]);
      // "me" is the caller: the worker's own regular customers.
      expect(await found({ regularOf: 'me' }, t.worker)).toEqual([ids.regular]);
      expect(await found({ regularOf: 'me' })).toEqual([]);
    });

    it('toggles internal customers and leasing companies', async () => {
      expect(await found({ internal: true })).toEqual([ids.internal]);
      expect(await found({ leasingCompany: true })).toEqual([ids.lessor]);
      const notLessors = await found({ leasingCompany: false });
      expect(notLessors).not.toContain(ids.lessor);
      expect(notLessors).toHaveLength(5);
    });

    it('finds the customer holding an external id, exactly', async () => {
      expect(await found({ externalId: 'dms:D-42' })).toEqual([ids.external]);
      expect(await found({ externalId: 'dms:D-4' })).toEqual([]);
      expect(await found({ externalId: 'pos:D-42' })).toEqual([]);
      expect(await found({ externalId: 'dms:D-42' }, tenantFixture().admin)).toEqual([]);
    });

    it('combines filters with words', async () => {
      expect(await found({ q: 'grouped', groupIds: [groupId] })).toEqual([ids.grouped]);
      expect(await found({ q: 'sourced', groupIds: [groupId] })).toEqual([]);
    });
  });
});
