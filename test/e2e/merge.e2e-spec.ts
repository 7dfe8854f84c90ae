import { randomUUID } from 'node:crypto';
import type {
  CommunicationPreferencesView,
  ConsentTextView,
  CreatedPartnerKeyView,
  CustomerConsentsView,
  CustomerView,
  DuplicatePairPage,
  ErasureView,
  MergeView,
  ProblemDetails,
  ReminderPage,
  SalePage,
  VehicleView,
  VisitPage,
  VisitView,
} from '@kanta/contracts';
import { eventually, eventuallyPasses } from '@kanta/testing';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(240_000);

/** A merge, or the problem that refused it. */
type MergeAnswer = MergeView & Partial<Pick<ProblemDetails, 'type' | 'detail'>>;

/*
 * A merge across the customers, vehicles and consents services, as reception does it (Timma's
 * "Yhdistä toiseen asiakkaaseen"): the duplicate an online booking made is merged into the
 * customer reception knows, every service moves its history, the duplicate answers with a
 * pointer, a late partner booking for it lands on the survivor, and the undo puts back exactly
 * what the merge moved.
 */
describe('merging two customers (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let emailText: ConsentTextView;
  let smsText: ConsentTextView;
  let partnerKey: string;

  const newCustomer = (fields: Record<string, unknown>, allowDuplicate = false) =>
    fi.admin.expect<CustomerView>(
      201,
      'POST',
      `/api/v1/customers${allowDuplicate ? '?allowDuplicate=true' : ''}`,
      { stationIds: [fi.stationIds[0]], ...fields },
    );
  const card = (id: string) => fi.admin.expect<CustomerView>(200, 'GET', `/api/v1/customers/${id}`);
  const merge = (survivorId: string, duplicateId: string, caller = fi.admin) =>
    caller.request<MergeAnswer>('POST', `/api/v1/customers/${survivorId}/merge`, { duplicateId });
  const mergeRecord = (id: string) =>
    fi.admin.expect<MergeView>(200, 'GET', `/api/v1/privacy/merges/${id}`);
  const settled = (id: string, status: MergeView['status']) =>
    eventually(async () => {
      const m = await mergeRecord(id);
      return m.status === status ? m : undefined;
    }, 30_000);
  /** The customer's visits or sales in the reporting read model. */
  const reportingCount = async (table: 'visits' | 'sales', id: string): Promise<number> =>
    Number(
      (
        await e2e.database.query<{ n: string }>(
          `SELECT count(*) AS n FROM reporting.${table} WHERE customer_id = $1`,
          [id],
        )
      )[0].n,
    );
  const eventuallyEquals = (
    read: () => Promise<Record<string, unknown>>,
    expected: Record<string, unknown>,
  ): Promise<void> =>
    eventuallyPasses(async () => expect(await read()).toEqual(expected), { timeoutMs: 30_000 });
  const visitsOf = async (id: string) =>
    (await fi.admin.expect<VisitPage>(200, 'GET', `/api/v1/customers/${id}/visits`)).items;
  const salesOf = async (id: string) =>
    (await fi.admin.expect<SalePage>(200, 'GET', `/api/v1/sales?customerId=${id}`)).items;
  const vehiclesOf = async (id: string) =>
    fi.admin.expect<VehicleView[] | { items: VehicleView[] }>(
      200,
      'GET',
      `/api/v1/customers/${id}/vehicles`,
    );
  const consentsOf = (id: string) =>
    fi.admin.expect<CustomerConsentsView>(
      200,
      'GET',
      `/api/v1/customers/${id}/consents?history=true`,
    );
  const remindersOf = async (id: string) =>
    (await fi.admin.expect<ReminderPage>(200, 'GET', `/api/v1/customers/${id}/reminders`)).items;
  const decision = (view: CustomerConsentsView, purpose: string) =>
    view.current.find((c) => c.purpose === purpose)?.decision;
  const visit = (customerId: string, notes: string, scheduledAt: string) =>
    fi.admin.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId,
      stationId: fi.stationIds[0],
      kind: 'inspection',
      scheduledAt,
      channel: 'phone',
      notes,
    });
  const consent = (customerId: string, purpose: string, textId: string, granted: boolean) =>
    fi.admin.expect(201, 'POST', `/api/v1/customers/${customerId}/consents`, {
      decisions: [{ purpose, decision: granted ? 'granted' : 'withdrawn', textId }],
    });
  const listCount = (v: VehicleView[] | { items: VehicleView[] }) =>
    Array.isArray(v) ? v.length : v.items.length;

  beforeAll(async () => {
    e2e = await startE2eSystem('merge');
    fi = await createTenant(e2e, 'mrg-fi');
    pl = await createTenant(e2e, 'mrg-pl', 'PL', 'pl');
    emailText = await fi.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
      purpose: 'marketing_email',
      locale: 'fi',
      body: 'Tarjouksia sähköpostilla.',
    });
    smsText = await fi.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
      purpose: 'marketing_sms',
      locale: 'fi',
      body: 'Tarjouksia tekstiviestillä.',
    });
    partnerKey = (
      await fi.admin.expect<CreatedPartnerKeyView>(201, 'POST', '/api/v1/partner-keys', {
        partner: 'booking-portal',
        label: 'Online booking',
      })
    ).key;
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('moves every service’s history to the survivor, points the duplicate there, redirects a late booking, and undoes exactly what it moved', async () => {
    // The customer reception knows, and the duplicate an online booking made of the same person.
    const survivor = await newCustomer({
      firstName: 'Yhdistettävä',
      lastName: 'Säilyjä',
      phone: '040 000 7101',
      birthday: '1980-04-01',
    });
    const duplicate = await newCustomer(
      {
        firstName: 'Yhdistettävä',
        lastName: 'Säilyjä',
        phone: '040 000 7101',
        email: 'yhdistettava@example.test',
        birthday: '1980-04-02',
        notes: 'Tuli verkkovarauksen kautta',
      },
      true,
    );
    await visit(survivor.id, 'Oma käynti', '2026-12-20T09:00:00Z');
    const dupVisits = [
      await visit(duplicate.id, 'Verkkovaraus 1', '2026-12-21T09:00:00Z'),
      await visit(duplicate.id, 'Verkkovaraus 2', '2026-12-22T09:00:00Z'),
    ];
    const car = await fi.admin.expect<VehicleView>(201, 'POST', '/api/v1/vehicles', {
      registration: 'MRG-101',
      make: 'Make',
      year: 2019,
    });
    await fi.admin.expect(200, 'POST', `/api/v1/vehicles/${car.id}/customers`, {
      customerId: duplicate.id,
      role: 'owner',
    });
    await fi.admin.expect(201, 'POST', '/api/v1/sales', {
      customerId: duplicate.id,
      stationId: fi.stationIds[0],
      visitId: dupVisits[0].id,
      receiptNumber: `R-MRG-${randomUUID().slice(0, 8)}`,
      soldAt: '2026-12-21T10:00:00Z',
      currency: 'EUR',
      lines: [
        {
          kind: 'service',
          name: 'Inspection',
          quantity: 1,
          unitPriceMinor: 5990,
          vatRate: 25.5,
          totalMinor: 5990,
        },
      ],
      totalMinor: 5990,
    });
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${duplicate.id}/reminders`, {
      dueAt: '2027-12-01T09:00',
      comment: 'Katsastus ensi vuonna',
    });
    // Consents: the survivor withdrew e-mail marketing; the duplicate granted it later. SMS: the
    // survivor granted it, the duplicate has no decision. The duplicate blocked all messages.
    await consent(survivor.id, 'marketing_email', emailText.id, false);
    await consent(survivor.id, 'marketing_sms', smsText.id, true);
    await consent(duplicate.id, 'marketing_email', emailText.id, true);
    await fi.admin.expect(
      200,
      'PATCH',
      `/api/v1/customers/${duplicate.id}/communication-preferences`,
      { blocked: true },
    );
    const survivorHistory = (await consentsOf(survivor.id)).history?.length ?? 0;
    const duplicateHistory = (await consentsOf(duplicate.id)).history?.length ?? 0;

    // The merge.
    const response = await merge(survivor.id, duplicate.id);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ survivorId: survivor.id, duplicateId: duplicate.id });
    const merged = await settled(response.body.id, 'completed');
    expect(merged.conflicts.map((c) => c.field)).toEqual(
      expect.arrayContaining(['customerNumber', 'birthday']),
    );
    expect(merged.conflicts.every((c) => c.kept === 'survivor')).toBe(true);
    expect(merged.confirmations.map((c) => c.service).sort()).toEqual([
      'consents',
      'customers',
      'reporting',
      'vehicles',
    ]);
    expect(merged.confirmations.find((c) => c.service === 'vehicles')?.counts).toMatchObject({
      visits: 2,
      sales: 1,
    });
    // The merge record holds no personal data.
    expect(JSON.stringify(merged)).not.toMatch(/Yhdistettävä|yhdistettava|1980|040/);

    // The survivor: its own values, the duplicate's where its own were empty, all the history.
    const after = await card(survivor.id);
    expect(after).toMatchObject({
      status: 'active',
      birthday: '1980-04-01',
      email: 'yhdistettava@example.test',
      notes: 'Tuli verkkovarauksen kautta',
      customerNumber: survivor.customerNumber,
    });
    expect((await visitsOf(survivor.id)).map((v) => v.notes).sort()).toEqual([
      'Oma käynti',
      'Verkkovaraus 1',
      'Verkkovaraus 2',
    ]);
    expect(await salesOf(survivor.id)).toHaveLength(1);
    expect(listCount(await vehiclesOf(survivor.id))).toBe(1);
    expect((await remindersOf(survivor.id)).map((r) => r.comment)).toEqual([
      'Katsastus ensi vuonna',
    ]);
    expect((await remindersOf(duplicate.id)).map((r) => r.comment)).toEqual([
      'Katsastus ensi vuonna',
    ]);
    const consents = await consentsOf(survivor.id);
    expect(decision(consents, 'marketing_email')).toBe('granted'); // the later of the two
    expect(decision(consents, 'marketing_sms')).toBe('granted');
    expect(consents.history?.length ?? 0).toBeGreaterThanOrEqual(
      survivorHistory + duplicateHistory,
    );
    const prefs = await fi.admin.expect<CommunicationPreferencesView>(
      200,
      'GET',
      `/api/v1/customers/${survivor.id}/communication-preferences`,
    );
    expect(prefs.blocked).toBe(true); // the stricter wins

    // The duplicate: a pointer, out of search, closed to writes.
    expect(await card(duplicate.id)).toMatchObject({ status: 'merged', mergedInto: survivor.id });
    const found = await fi.admin.expect<{ items: CustomerView[] }>(
      200,
      'GET',
      '/api/v1/customers?q=Yhdistettävä',
    );
    expect(found.items.map((c) => c.id)).toEqual([survivor.id]);
    const write = await fi.admin.request<ProblemDetails>(
      'PATCH',
      `/api/v1/customers/${duplicate.id}`,
      { notes: 'Muutos' },
      { 'if-match': `"${(await card(duplicate.id)).version}"` },
    );
    expectProblem(write, 409);
    expect(write.body).toMatchObject({
      type: 'https://kanta.dev/problems/customer-merged',
      survivorId: survivor.id,
    });
    const lateVisit = await fi.admin.request<ProblemDetails>('POST', '/api/v1/visits', {
      customerId: duplicate.id,
      stationId: fi.stationIds[0],
      kind: 'inspection',
      scheduledAt: '2026-12-28T09:00:00Z',
      channel: 'phone',
    });
    expectProblem(lateVisit, 409);
    expect(lateVisit.body).toMatchObject({ survivorId: survivor.id });

    // A partner's late booking with the duplicate's contact details lands on the survivor.
    await e2e.api.expect(
      202,
      'POST',
      '/api/v1/partner/events',
      {
        type: 'partner.booking.created.v1',
        payload: {
          bookingId: `B-MRG-${randomUUID().slice(0, 8)}`,
          stationId: fi.stationIds[0],
          scheduledAt: '2026-12-29T09:00:00Z',
          channel: 'online_booking',
          customer: {
            firstName: 'Yhdistettävä',
            lastName: 'Säilyjä',
            phone: '+358400007101',
            email: 'yhdistettava@example.test',
          },
          notes: 'Myöhäinen varaus',
        },
      },
      { 'x-api-key': partnerKey },
    );
    await eventually(async () => {
      const notes = (await visitsOf(survivor.id)).map((v) => v.notes);
      return notes.includes('Myöhäinen varaus') ? notes : undefined;
    }, 30_000);
    // The duplicate's records answer with the survivor's history (it lives on as the survivor).
    expect((await visitsOf(duplicate.id)).map((v) => v.id).sort()).toEqual(
      (await visitsOf(survivor.id)).map((v) => v.id).sort(),
    );

    // The reporting read model folds the same: the survivor's visits and sale, the duplicate's
    // card merged into it (as the customers service's reporting stream tells).
    const reported = async (): Promise<Record<string, unknown>> => ({
      survivorVisits: await reportingCount('visits', survivor.id),
      duplicateVisits: await reportingCount('visits', duplicate.id),
      survivorSales: await reportingCount('sales', survivor.id),
      duplicateSales: await reportingCount('sales', duplicate.id),
      duplicateCard: (
        await e2e.database.query<{ status: string; merged_into: string | null }>(
          'SELECT status, merged_into FROM reporting.customers WHERE customer_id = $1',
          [duplicate.id],
        )
      )[0],
    });
    await eventuallyEquals(reported, {
      survivorVisits: 4,
      duplicateVisits: 0,
      survivorSales: 1,
      duplicateSales: 0,
      duplicateCard: { status: 'merged', merged_into: survivor.id },
    });

    // The undo: the duplicate is itself again with its own history; what came since stays.
    const undo = await fi.admin.request<MergeAnswer>(
      'POST',
      `/api/v1/privacy/merges/${merged.id}/undo`,
    );
    expect(undo.status).toBe(202);
    const undone = await settled(merged.id, 'undone');
    expect(undone.undo?.confirmations.every((c) => c.status === 'completed')).toBe(true);
    expect(await card(duplicate.id)).toMatchObject({
      status: 'active',
      email: 'yhdistettava@example.test',
    });
    expect((await card(duplicate.id)).mergedInto).toBeUndefined();
    const restored = await card(survivor.id);
    expect(restored).toMatchObject({ email: null, notes: null, birthday: '1980-04-01' });
    expect((await visitsOf(duplicate.id)).map((v) => v.notes).sort()).toEqual([
      'Verkkovaraus 1',
      'Verkkovaraus 2',
    ]);
    expect((await visitsOf(survivor.id)).map((v) => v.notes).sort()).toEqual([
      'Myöhäinen varaus',
      'Oma käynti',
    ]);
    expect(await salesOf(duplicate.id)).toHaveLength(1);
    expect(await salesOf(survivor.id)).toHaveLength(0);
    await eventuallyEquals(reported, {
      survivorVisits: 2,
      duplicateVisits: 2,
      survivorSales: 0,
      duplicateSales: 1,
      duplicateCard: { status: 'active', merged_into: null },
    });
    expect(listCount(await vehiclesOf(duplicate.id))).toBe(1);
    expect(listCount(await vehiclesOf(survivor.id))).toBe(0);
    expect((await remindersOf(duplicate.id)).length).toBe(1);
    expect(await remindersOf(survivor.id)).toEqual([]);
    expect(decision(await consentsOf(survivor.id), 'marketing_email')).toBe('withdrawn');
    expect(decision(await consentsOf(duplicate.id), 'marketing_email')).toBe('granted');
    expect(
      (
        await fi.admin.expect<CommunicationPreferencesView>(
          200,
          'GET',
          `/api/v1/customers/${survivor.id}/communication-preferences`,
        )
      ).blocked,
    ).toBe(false);

    // Undo twice: refused, nothing moves. Nor is there anything to retry.
    const again = await fi.admin.request('POST', `/api/v1/privacy/merges/${merged.id}/undo`);
    expectProblem(again, 409);
    expectProblem(await fi.admin.request('POST', `/api/v1/privacy/merges/${merged.id}/retry`), 409);
  });

  it('resolves a chain of merges to its end, and erases the merged-in customers with the survivor', async () => {
    const a = await newCustomer({ firstName: 'Ketju', lastName: 'Aaa', phone: '040 000 7201' });
    const b = await newCustomer({ firstName: 'Ketju', lastName: 'Bee', phone: '040 000 7202' });
    const c = await newCustomer({ firstName: 'Ketju', lastName: 'Cee', phone: '040 000 7203' });
    await visit(a.id, 'Ketjun käynti', '2026-12-23T09:00:00Z');
    const ab = (await merge(b.id, a.id)).body;
    await settled(ab.id, 'completed');
    const bc = (await merge(c.id, b.id)).body;
    await settled(bc.id, 'completed');
    expect(await card(a.id)).toMatchObject({ status: 'merged', mergedInto: c.id });
    expect(await card(b.id)).toMatchObject({ status: 'merged', mergedInto: c.id });
    expect((await visitsOf(c.id)).map((v) => v.notes)).toEqual(['Ketjun käynti']);
    // A's merge cannot be undone while B lives on in C: undo B into C first.
    expectProblem(await fi.admin.request('POST', `/api/v1/privacy/merges/${ab.id}/undo`), 409);
    // Erasing a merged customer is erasing the one it lives on as.
    const refused = await fi.admin.request<ProblemDetails>(
      'POST',
      `/api/v1/customers/${a.id}/erase`,
      {
        reason: 'customer_request',
        confirmCustomerNumber: a.customerNumber,
      },
    );
    expectProblem(refused, 409);
    expect(refused.body).toMatchObject({ survivorId: c.id });

    const erasure = await fi.admin.expect<ErasureView>(
      202,
      'POST',
      `/api/v1/customers/${c.id}/erase`,
      { reason: 'customer_request', confirmCustomerNumber: c.customerNumber },
    );
    await eventually(async () => {
      const r = await fi.admin.expect<ErasureView>(
        200,
        'GET',
        `/api/v1/privacy/erasures/${erasure.id}`,
      );
      return r.status === 'completed' ? r : undefined;
    }, 30_000);
    for (const id of [a.id, b.id, c.id]) {
      const erased = await card(id);
      expect(erased.firstName).toBeNull();
      expect(erased.phone).toBeNull();
    }
    expect((await visitsOf(c.id)).map((v) => v.notes)).toEqual([null]);
  });

  it('merges a suggested duplicate pair in one call, the earlier customer surviving', async () => {
    const first = await newCustomer({
      firstName: 'Pari',
      lastName: 'Ehdotus',
      phone: '040 000 7301',
    });
    const second = await newCustomer(
      { firstName: 'Pari', lastName: 'Ehdotus', phone: '040 000 7301' },
      true,
    );
    const pair = await eventually(async () => {
      const page = await fi.admin.expect<DuplicatePairPage>(
        200,
        'GET',
        '/api/v1/customers/duplicates',
      );
      return page.items.find((p) => p.customers.some((c) => c.id === second.id));
    }, 30_000);
    const response = await fi.admin.request<MergeAnswer>(
      'POST',
      `/api/v1/customers/duplicates/${pair.id}/merge`,
    );
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ survivorId: first.id, duplicateId: second.id });
    await settled(response.body.id, 'completed');
    expect(await card(second.id)).toMatchObject({ status: 'merged', mergedInto: first.id });
    const pairs = await fi.admin.expect<DuplicatePairPage>(
      200,
      'GET',
      '/api/v1/customers/duplicates',
    );
    expect(pairs.items.find((p) => p.id === pair.id)).toBeUndefined();
    expectProblem(
      await fi.admin.request('POST', `/api/v1/customers/duplicates/${randomUUID()}/merge`),
      404,
    );
  });

  it('refuses a bad merge with a problem, leaving both customers as they were', async () => {
    const one = await newCustomer({ firstName: 'Huono', lastName: 'Yksi', phone: '040 000 7401' });
    const two = await newCustomer({ firstName: 'Huono', lastName: 'Kaksi', phone: '040 000 7402' });
    expectProblem(await merge(one.id, one.id), 422, 'duplicateId');
    expectProblem(await merge(one.id, randomUUID()), 404);
    expectProblem(await merge(randomUUID(), one.id), 404);
    expectProblem(
      await fi.admin.request('POST', `/api/v1/customers/${one.id}/merge`, {}),
      422,
      'duplicateId',
    );
    expectProblem(
      await fi.admin.request('POST', `/api/v1/customers/${one.id}/merge`, { duplicateId: 'x' }),
      422,
      'duplicateId',
    );
    // Another tenant's customer is unknown here.
    const theirs = await pl.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Obcy',
      lastName: 'Klient',
      stationIds: [pl.stationIds[0]],
    });
    expectProblem(await merge(one.id, theirs.id), 404);
    // Workers may not merge.
    expectProblem(await merge(one.id, two.id, fi.worker), 403);
    // A customer with a pending deletion request cannot be merged.
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${two.id}/deletion-request`, {
      channel: 'reception',
    });
    const pending = await eventually(async () => {
      const r = await merge(one.id, two.id);
      return r.status === 409 ? r : undefined;
    }, 10_000);
    expectProblem(pending, 409);
    // Undo, or retry, of an unknown merge.
    for (const action of ['undo', 'retry']) {
      expectProblem(
        await fi.admin.request('POST', `/api/v1/privacy/merges/${randomUUID()}/${action}`),
        404,
      );
    }
    expect((await card(one.id)).status).toBe('active');
    expect((await card(two.id)).status).toBe('active');
  });
});
