import type {
  CallerContext,
  CreateCustomerDto,
  CreateCustomerResult,
  CustomerView,
  DuplicatePairPage,
} from '@kanta/contracts';
import { DuplicatesService } from '../src/duplicates/duplicates.service';
import {
  problemOf,
  startCustomers,
  tenantFixture,
  type CustomersHarness,
  type TenantFixture,
} from './support';

jest.setTimeout(30_000);

/*
 * A worker sees a birthday as ****-**-** and documents with all but their last two characters
 * masked. Nothing they can do may tell them whether a guess of such a value is right: each probe
 * below is made once with the right value and once with a wrong one, and must answer the same.
 */
describe('masked values cannot be confirmed by a caller who may not see them (real Postgres)', () => {
  let h: CustomersHarness;
  let duplicates: DuplicatesService;
  beforeAll(async () => {
    h = await startCustomers('masked');
    duplicates = h.app.get(DuplicatesService);
  });
  afterAll(async () => {
    await h.close();
  });

  const BIRTHDAY = '1979-04-21';
  const WRONG = '1979-04-22';

  /** A customer at the worker's station with a birthday and a passport on file. */
  const secretCard = async (t: TenantFixture, fields: CreateCustomerDto = {}) =>
    (
      await h.customers.create(t.admin, {
        firstName: 'Salla',
        lastName: 'Salainen',
        birthday: BIRTHDAY,
        documents: [{ type: 'passport', number: 'XK1234567' }],
        stationIds: [t.stationA],
        ...fields,
      })
    ).customer;

  /** What a create answers, without what differs between any two creates (ids, numbers). */
  const outcome = async (attempt: Promise<CreateCustomerResult>): Promise<unknown> => {
    const created = await attempt.catch(() => null);
    if (created) return { status: 201, sensitiveMasked: created.customer.sensitiveMasked };
    const { status, type, detail, candidates, hiddenCandidates, errors } = (await problemOf(
      attempt,
    )) as unknown as Record<string, unknown>;
    return { status, type, detail, candidates, hiddenCandidates, errors };
  };

  const twin = (ctx: CallerContext, birthday: string, extra: CreateCustomerDto = {}) =>
    h.customers.create(ctx, { firstName: 'Salla', lastName: 'Salainen', birthday, ...extra });

  describe('duplicate detection', () => {
    it('answers a worker’s create the same whether the birthday they guessed is right or wrong', async () => {
      const t = tenantFixture();
      await secretCard(t);
      const right = await outcome(twin(t.worker, BIRTHDAY));
      const wrong = await outcome(twin(t.worker, WRONG));
      expect(right).toEqual(wrong);
      // Where a candidate is shown for another reason, its reasons and score do not tell either.
      const u = tenantFixture();
      await secretCard(u, { phone: '040 000 2001' });
      const shown = (birthday: string) =>
        outcome(twin(u.worker, birthday, { phone: '040 000 2001' }));
      const [rightShown, wrongShown] = [await shown(BIRTHDAY), await shown(WRONG)];
      expect(rightShown).toMatchObject({
        status: 409,
        candidates: [{ reasons: ['phone'], score: 0.6 }],
      });
      expect(rightShown).toEqual(wrongShown);
    });

    it('still matches the birthday for an admin, and keeps the pair a worker’s create makes', async () => {
      const t = tenantFixture();
      const card = await secretCard(t);
      expect(await outcome(twin(t.admin, BIRTHDAY))).toMatchObject({
        status: 409,
        candidates: [{ customerId: card.id, reasons: ['nameAndBirthday'] }],
      });
      const { customer } = await twin(t.worker, BIRTHDAY);
      const page = await duplicates.list(t.admin, {});
      expect(page.items).toEqual([
        expect.objectContaining({
          customers: expect.arrayContaining([
            expect.objectContaining({ id: card.id }),
            expect.objectContaining({ id: customer.id }),
          ]) as unknown,
          reasons: ['nameAndBirthday'],
        }),
      ]);
    });

    it('lists a worker the suggested pairs without telling which share a birthday', async () => {
      const t = tenantFixture();
      const postal = { addresses: [{ type: 'home' as const, postalCode: '00100' }] };
      const card = await secretCard(t, postal);
      const byName = (birthday: string) =>
        h.customers.create(
          t.worker,
          { firstName: 'Salla', lastName: 'Salainen', birthday, ...postal },
          undefined,
          { allowDuplicate: true },
        );
      const right = (await byName(BIRTHDAY)).customer;
      const wrong = (await byName(WRONG)).customer;
      const seen = (page: DuplicatePairPage, id: string) =>
        page.items
          .filter((p) => p.customers.some((c) => c.id === card.id))
          .filter((p) => p.customers.some((c) => c.id === id))
          .map((p) => ({ reasons: p.reasons, score: p.score }));
      const admin = await duplicates.list(t.admin, {});
      expect(seen(admin, right.id)).toEqual([
        { reasons: ['nameAndBirthday', 'nameAndPostalCode'], score: 1 },
      ]);
      const worker = await duplicates.list(t.worker, {});
      expect(seen(worker, right.id)).toEqual([{ reasons: ['nameAndPostalCode'], score: 0.6 }]);
      expect(seen(worker, right.id)).toEqual(seen(worker, wrong.id));
      // minScore and the order follow what the worker is shown, not what is stored.
      expect(
        (await duplicates.list(t.worker, { minScore: 0.7 })).items.filter((p) =>
          p.customers.some((c) => c.id === right.id),
        ),
      ).toEqual([]);
    });
  });

  describe('an edit naming a masked value', () => {
    const edit = async (ctx: CallerContext, card: CustomerView, patch: Record<string, unknown>) =>
      (await h.customers.update(ctx, card.id, card.version, patch)).version;

    it('is a change for a worker whether the birthday they send is the one on file or not', async () => {
      const t = tenantFixture();
      const right = await secretCard(t);
      const wrong = await secretCard(t, { firstName: 'Toinen' });
      expect(await edit(t.worker, right, { birthday: BIRTHDAY })).toBe(2);
      expect(await edit(t.worker, wrong, { birthday: WRONG })).toBe(2);
      expect((await h.customers.get(t.admin, right.id)).birthday).toBe(BIRTHDAY);
    });

    it('is a change for a worker whether the documents they send are those on file or not', async () => {
      const t = tenantFixture();
      const right = await secretCard(t);
      const wrong = await secretCard(t, { firstName: 'Toinen' });
      const passport = (number: string) => ({ documents: [{ type: 'passport', number }] });
      expect(await edit(t.worker, right, passport('xk1234567'))).toBe(2);
      expect(await edit(t.worker, wrong, passport('XK7654321'))).toBe(2);
    });

    it('stays no change for an admin, who sees the values anyway', async () => {
      const t = tenantFixture();
      const card = await secretCard(t);
      expect(await edit(t.admin, card, { birthday: BIRTHDAY })).toBe(1);
    });
  });
});
