import type {
  CustomerSummaryView,
  CustomerView,
  SalePage,
  VehicleView,
  SaleView,
  VisitPage,
  VisitView,
} from '@kanta/contracts';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(120_000);

describe('visits, sales and the summary through the gateway (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let customer: CustomerView;
  let visit: VisitView;
  let southVisit: VisitView;
  const line = {
    kind: 'service',
    name: 'Inspection',
    quantity: 1,
    unitPriceMinor: 5990,
    vatRate: 25.5,
    totalMinor: 5990,
  };
  const sale = (over: Record<string, unknown> = {}) => ({
    receiptNumber: `R-${Math.random().toString(36).slice(2, 10)}`,
    soldAt: '2026-03-01T10:00:00Z',
    currency: 'EUR',
    lines: [line],
    totalMinor: 5990,
    ...over,
  });

  beforeAll(async () => {
    e2e = await startE2eSystem('visits');
    fi = await createTenant(e2e, 'vis-fi');
    pl = await createTenant(e2e, 'vis-pl', 'PL', 'pl');
    customer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Käynti',
      lastName: 'Asiakas',
      stationIds: fi.stationIds,
    });
    // Booked at once after the customer's create: the service waits for the customer's event.
    visit = await fi.worker.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: customer.id,
      kind: 'inspection',
      scheduledAt: '2026-01-10T09:00:00+02:00',
      channel: 'phone',
    });
    southVisit = await fi.otherWorker.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: customer.id,
      kind: 'work_order',
      scheduledAt: '2026-01-11T09:00:00Z',
      channel: 'walk_in',
    });
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const validVisit = { kind: 'booking', scheduledAt: '2026-12-01T09:00:00Z', channel: 'phone' };

  it.each([
    ['no kind', { kind: undefined }, 'kind', 'required'],
    ['no time', { scheduledAt: undefined }, 'scheduledAt', 'required'],
    ['an unknown kind', { kind: 'party' }, 'kind', 'not_allowed'],
    ['an unknown channel', { channel: 'fax' }, 'channel', 'not_allowed'],
    [
      'a time without a zone',
      { scheduledAt: '2026-12-01T09:00:00' },
      'scheduledAt',
      'invalid_format',
    ],
    [
      'a date that does not exist',
      { scheduledAt: '2026-02-30T09:00:00Z' },
      'scheduledAt',
      'invalid_format',
    ],
    ['a customer id that is no UUID', { customerId: 'x' }, 'customerId', 'invalid_format'],
    [
      'a station of another tenant',
      { stationId: '00000000-0000-4000-8000-000000000000' },
      'stationId',
      'unknown_station',
    ],
    [
      'a staff user of nobody',
      { staffUserId: '00000000-0000-4000-8000-000000000000' },
      'staffUserId',
      'unknown_user',
    ],
    [
      'a prepaid amount without currency',
      { prepaid: { amountMinor: 100 } },
      'prepaid.currency',
      'required',
    ],
    [
      'a negative prepaid amount',
      { prepaid: { amountMinor: -1, currency: 'EUR' } },
      'prepaid.amountMinor',
      'too_small',
    ],
    ['a partner link that is no URL', { partnerLink: 'card 7' }, 'partnerLink', 'invalid_format'],
    ['notes too long', { notes: 'x'.repeat(2001) }, 'notes', 'too_long'],
    [
      'an unknown vehicle',
      { vehicleId: '00000000-0000-4000-8000-000000000000' },
      'vehicleId',
      'unknown_vehicle',
    ],
    ['no channel', { channel: undefined }, 'channel', 'required'],
    ['a blank external id', { externalId: '  ' }, 'externalId', 'required'],
    ['an external id too long', { externalId: 'x'.repeat(101) }, 'externalId', 'invalid_length'],
    [
      'special requests too long',
      { specialRequests: 'x'.repeat(2001) },
      'specialRequests',
      'too_long',
    ],
    [
      'a prepaid currency in lower case',
      { prepaid: { amountMinor: 100, currency: 'eur' } },
      'prepaid.currency',
      'invalid_format',
    ],
    [
      'a prepaid amount with a fraction',
      { prepaid: { amountMinor: 1.5, currency: 'EUR' } },
      'prepaid.amountMinor',
      'invalid_type',
    ],
    ['a station id that is no UUID', { stationId: 'x' }, 'stationId', 'invalid_format'],
    ['a vehicle id that is no UUID', { vehicleId: 'x' }, 'vehicleId', 'invalid_format'],
    ['a staff user id that is no UUID', { staffUserId: 'x' }, 'staffUserId', 'invalid_format'],
    ['an unknown field', { colour: 'red' }, 'colour', 'unknown_field'],
  ])('refuses a visit with %s', async (_what, over, field, reason) => {
    expectProblem(
      await fi.admin.request('POST', '/api/v1/visits', { ...validVisit, ...over }),
      422,
      field,
      reason,
    );
  });

  it.each([
    ['an unknown status', 'status=lost', 'status', 'not_allowed'],
    ['a station id that is no UUID', 'stationId=x', 'stationId', 'invalid_format'],
    ['a customer id that is no UUID', 'customerId=x', 'customerId', 'invalid_format'],
    ['a vehicle id that is no UUID', 'vehicleId=x', 'vehicleId', 'invalid_format'],
    ['a from that is no date', 'from=soon', 'from', 'invalid_format'],
    ['a to without a zone', 'to=2026-12-01T10:00', 'to', 'invalid_format'],
    ['a page of none', 'limit=0', 'limit', 'too_small'],
    ['a cursor this API did not issue', 'cursor=nope', 'cursor', 'invalid_format'],
    ['an unknown parameter', 'colour=red', 'colour', 'unknown_field'],
    ['a to before the from', 'from=2026-12-02&to=2026-12-01', 'to', 'before_from'],
  ])('refuses a visit list with %s', async (_what, query, field, reason) => {
    expectProblem(await fi.worker.request('GET', `/api/v1/visits?${query}`), 422, field, reason);
  });

  it.each([
    ['no receipt number', { receiptNumber: undefined }, 'receiptNumber', 'required'],
    ['a blank receipt number', { receiptNumber: '   ' }, 'receiptNumber', 'required'],
    ['a blank line name', { lines: [{ ...line, name: ' ' }] }, 'lines.0.name', 'required'],
    ['a receipt link that is no URL', { receiptUrl: 'x' }, 'receiptUrl', 'invalid_format'],
    ['a VAT rate over 100', { lines: [{ ...line, vatRate: 101 }] }, 'lines.0.vatRate', 'too_large'],
    [
      'a unit price with a fraction',
      { lines: [{ ...line, unitPriceMinor: 1.5 }] },
      'lines.0.unitPriceMinor',
      'invalid_type',
    ],
    [
      'more than 200 lines',
      { lines: Array.from({ length: 201 }, () => line), totalMinor: 201 * 5990 },
      'lines',
      'too_many',
    ],
    ['a sold-at without a zone', { soldAt: '2026-03-01T10:00:00' }, 'soldAt', 'invalid_format'],
  ])('refuses a receipt with %s', async (_what, over, field, reason) => {
    expectProblem(await fi.worker.request('POST', '/api/v1/sales', sale(over)), 422, field, reason);
  });

  it('books once for an Idempotency-Key: the repeat answers 200 with the same visit', async () => {
    const body = {
      kind: 'appointment',
      channel: 'walk_in',
      scheduledAt: '2026-12-02T10:00:00+02:00',
      notes: 'double click',
    };
    const key = { 'idempotency-key': `visit-${Date.now()}` };
    const first = await fi.worker.request<VisitView>('POST', '/api/v1/visits', body, key);
    expect(first.status).toBe(201);
    const again = await fi.worker.request<VisitView>('POST', '/api/v1/visits', body, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expectProblem(
      await fi.worker.request('POST', '/api/v1/visits', { ...body, notes: 'other' }, key),
      422,
    );
    expectProblem(
      await fi.worker.request('POST', '/api/v1/visits', body, { 'idempotency-key': 'has space' }),
      422,
      'Idempotency-Key',
      'invalid_format',
    );
  });

  it('completes a visit with If-Match and refuses a second change of status', async () => {
    const read = await fi.worker.request<VisitView>('GET', `/api/v1/visits/${visit.id}`);
    expect(read.headers.get('etag')).toBe('"1"');
    expectProblem(
      await fi.worker.request('PATCH', `/api/v1/visits/${visit.id}`, { status: 'completed' }),
      428,
    );
    const done = await fi.worker.request<VisitView>(
      'PATCH',
      `/api/v1/visits/${visit.id}`,
      { status: 'completed' },
      { 'if-match': '"1"' },
    );
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expectProblem(
      await fi.worker.request(
        'PATCH',
        `/api/v1/visits/${visit.id}`,
        { status: 'no_show' },
        { 'if-match': '"2"' },
      ),
      422,
      'status',
      'invalid_transition',
    );
    expectProblem(
      await fi.worker.request(
        'PATCH',
        `/api/v1/visits/${visit.id}`,
        { status: 'lost' },
        { 'if-match': '"2"' },
      ),
      422,
      'status',
      'not_allowed',
    );
    expectProblem(
      await fi.worker.request(
        'PATCH',
        `/api/v1/visits/${visit.id}`,
        { cancelReason: 'changed plans' },
        { 'if-match': '"2"' },
      ),
      422,
      'cancelReason',
      'not_cancelled',
    );
    expectProblem(
      await fi.worker.request(
        'PATCH',
        `/api/v1/visits/${visit.id}`,
        { cancelReason: 'x'.repeat(201) },
        { 'if-match': '"2"' },
      ),
      422,
      'cancelReason',
      'too_long',
    );
    expectProblem(
      await fi.worker.request(
        'PATCH',
        `/api/v1/visits/${visit.id}`,
        { cancelReason: 5 },
        { 'if-match': '"2"' },
      ),
      422,
      'cancelReason',
      'invalid_type',
    );
  });

  it('records a sale and refuses lines that do not add up', async () => {
    const made = await fi.admin.expect<SaleView>(
      201,
      'POST',
      '/api/v1/sales',
      sale({ customerId: customer.id, visitId: visit.id }),
    );
    expect(made.visitId).toBe(visit.id);
    expectProblem(
      await fi.admin.request('POST', '/api/v1/sales', sale({ totalMinor: 1 })),
      422,
      'totalMinor',
      'totals_mismatch',
    );
    expectProblem(
      await fi.admin.request(
        'POST',
        '/api/v1/sales',
        sale({ lines: [{ ...line, totalMinor: 1 }], totalMinor: 1 }),
      ),
      422,
      'lines.0.totalMinor',
      'totals_mismatch',
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/sales', sale({ currency: 'euro' })),
      422,
      'currency',
      'invalid_format',
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/sales', sale({ lines: [] })),
      422,
      'lines',
      'too_few',
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/sales', sale({ lines: [{ ...line, kind: 'gift' }] })),
      422,
      'lines.0.kind',
      'not_allowed',
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/sales', sale({ lines: [{ ...line, quantity: 0 }] })),
      422,
      'lines.0.quantity',
      'too_small',
    );
    for (const soldAt of ['2026-W09-7T10:00:00Z', '2026-03-01T10:00:00,5Z', '2026-03-01T10Z']) {
      expectProblem(
        await fi.admin.request('POST', '/api/v1/sales', sale({ soldAt })),
        422,
        'soldAt',
        'invalid_format',
      );
    }
    // An unusual offset is a real time: kept in UTC.
    expect(
      (
        await fi.admin.expect<SaleView>(
          201,
          'POST',
          '/api/v1/sales',
          sale({ soldAt: '2026-03-01T10:00:00.1234567+14:00' }),
        )
      ).soldAt,
    ).toBe('2026-02-28T20:00:00.123Z');
    expectProblem(
      await fi.admin.request('POST', '/api/v1/sales', sale({ soldAt: 'today' })),
      422,
      'soldAt',
      'invalid_format',
    );
  });

  it('shows a customer’s visits, sales and summary, each worker their own stations’ part', async () => {
    const all = await fi.admin.expect<VisitPage>(
      200,
      'GET',
      `/api/v1/customers/${customer.id}/visits`,
    );
    expect(all.items.map((v) => v.id)).toEqual([visit.id, southVisit.id]);
    const north = await fi.worker.expect<VisitPage>(
      200,
      'GET',
      `/api/v1/customers/${customer.id}/visits?from=2026-01-01&to=2026-12-31`,
    );
    expect(north.items.map((v) => v.id)).toEqual([visit.id]);
    expectProblem(
      await fi.admin.request('GET', `/api/v1/customers/${customer.id}/visits?from=soon`),
      422,
      'from',
      'invalid_format',
    );
    expectProblem(await fi.worker.request('GET', `/api/v1/visits/${southVisit.id}`), 404);
    expectProblem(
      await fi.worker.request(
        'PATCH',
        `/api/v1/visits/${southVisit.id}`,
        { vehicleId: '00000000-0000-4000-8000-000000000000' },
        { 'if-match': '"1"' },
      ),
      404,
    );
    const listed = await fi.worker.expect<VisitPage>(200, 'GET', '/api/v1/visits?status=completed');
    expect(listed.items.map((v) => v.id)).toEqual([visit.id]);
    const byPhone = await fi.worker.expect<VisitPage>(
      200,
      'GET',
      '/api/v1/visits?status=completed&channel=phone',
    );
    expect(byPhone.items.map((v) => v.id)).toEqual([visit.id]);
    expectProblem(
      await fi.worker.request('GET', '/api/v1/visits?channel=fax'),
      422,
      'channel',
      'not_allowed',
    );
    const sales = await fi.worker.expect<SalePage>(
      200,
      'GET',
      `/api/v1/customers/${customer.id}/sales`,
    );
    expect(sales.items).toHaveLength(1);
    const summary = await fi.admin.expect<CustomerSummaryView>(
      200,
      'GET',
      `/api/v1/customers/${customer.id}/summary`,
    );
    expect(summary).toMatchObject({
      spent: [{ currency: 'EUR', servicesMinor: 5990, productsMinor: 0, totalMinor: 5990 }],
      visits: 1,
      firstVisitAt: '2026-01-10T07:00:00.000Z',
    });
  });

  it('answers 404 to another tenant on every visit, sale and customer-record endpoint', async () => {
    for (const caller of [pl.admin, pl.worker]) {
      expectProblem(await caller.request('GET', `/api/v1/visits/${visit.id}`), 404);
      expectProblem(
        await caller.request(
          'PATCH',
          `/api/v1/visits/${southVisit.id}`,
          { status: 'cancelled' },
          { 'if-match': '"1"' },
        ),
        404,
      );
      // Also when the patch names what does not exist: the visit is what is not found.
      expectProblem(
        await caller.request(
          'PATCH',
          `/api/v1/visits/${southVisit.id}`,
          { customerId: '00000000-0000-4000-8000-000000000000' },
          { 'if-match': '"1"' },
        ),
        404,
      );
      for (const part of ['vehicles', 'visits', 'sales', 'summary']) {
        expectProblem(await caller.request('GET', `/api/v1/customers/${customer.id}/${part}`), 404);
      }
      expect((await caller.expect<VisitPage>(200, 'GET', '/api/v1/visits')).items).toEqual([]);
      const ofOurCustomer = await caller.expect<VisitPage>(
        200,
        'GET',
        `/api/v1/visits?customerId=${customer.id}`,
      );
      expect(ofOurCustomer.items).toEqual([]);
      expectProblem(
        await caller.request('POST', '/api/v1/visits', { ...validVisit, customerId: customer.id }),
        422,
        'customerId',
        'unknown_customer',
      );
      expectProblem(
        await caller.request('POST', '/api/v1/sales', sale({ visitId: visit.id })),
        422,
        'visitId',
        'unknown_visit',
      );
    }
    const after = await fi.admin.expect<VisitView>(200, 'GET', `/api/v1/visits/${southVisit.id}`);
    expect(after.status).toBe('booked');
  });

  it('refuses the real station, vehicle and customer of another tenant, and lists nothing of theirs', async () => {
    // The other tenant's own customer, vehicle and visit, which it sees.
    const theirCustomer = await pl.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Obcy',
      lastName: 'Testowy',
      stationIds: [pl.stationIds[0]],
    });
    const theirCar = await pl.admin.expect<VehicleView>(201, 'POST', '/api/v1/vehicles', {
      registration: 'TST-900',
    });
    const theirVisit = await pl.worker.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      ...validVisit,
      customerId: theirCustomer.id,
      vehicleId: theirCar.id,
    });
    await pl.worker.expect(
      201,
      'POST',
      '/api/v1/sales',
      sale({ customerId: theirCustomer.id, visitId: theirVisit.id }),
    );
    for (const query of [`customerId=${theirCustomer.id}`, `vehicleId=${theirCar.id}`]) {
      const seen = await pl.worker.expect<VisitPage>(200, 'GET', `/api/v1/visits?${query}`);
      expect(seen.items.map((v) => v.id)).toEqual([theirVisit.id]);
    }

    for (const caller of [fi.admin, fi.worker]) {
      expectProblem(
        await caller.request('POST', '/api/v1/visits', {
          ...validVisit,
          stationId: pl.stationIds[0],
        }),
        422,
        'stationId',
        'unknown_station',
      );
      expectProblem(
        await caller.request('POST', '/api/v1/visits', { ...validVisit, vehicleId: theirCar.id }),
        422,
        'vehicleId',
        'unknown_vehicle',
      );
      expectProblem(
        await caller.request('POST', '/api/v1/visits', {
          ...validVisit,
          customerId: theirCustomer.id,
        }),
        422,
        'customerId',
        'unknown_customer',
      );
      expectProblem(
        await caller.request('POST', '/api/v1/sales', sale({ customerId: theirCustomer.id })),
        422,
        'customerId',
        'unknown_customer',
      );
      expectProblem(
        await caller.request('POST', '/api/v1/sales', sale({ stationId: pl.stationIds[0] })),
        422,
        'stationId',
        'unknown_station',
      );
      for (const query of [
        `customerId=${theirCustomer.id}`,
        `vehicleId=${theirCar.id}`,
        `stationId=${pl.stationIds[0]}`,
      ]) {
        const page = await caller.expect<VisitPage>(200, 'GET', `/api/v1/visits?${query}`);
        expect(page.items).toEqual([]);
      }
    }
    // None of the refused writes reached either tenant.
    const theirs = await pl.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits');
    expect(theirs.items.map((v) => v.id)).toEqual([theirVisit.id]);
    const ours = await fi.admin.expect<VisitPage>(200, 'GET', '/api/v1/visits');
    // Ours (others of this file's tests among them), none of theirs.
    expect(ours.items.map((v) => v.id)).toEqual(expect.arrayContaining([visit.id, southVisit.id]));
    expect(ours.items.map((v) => v.id)).not.toContain(theirVisit.id);
  });

  it('lists receipts by visit, station and time of sale, and gets one; a worker sees their stations only', async () => {
    const booked = await fi.worker.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      ...validVisit,
      customerId: customer.id,
    });
    const first = await fi.worker.expect<SaleView>(
      201,
      'POST',
      '/api/v1/sales',
      sale({ visitId: booked.id, soldAt: '2026-05-04T08:00:00Z' }),
    );
    const second = await fi.worker.expect<SaleView>(
      201,
      'POST',
      '/api/v1/sales',
      sale({ visitId: booked.id, soldAt: '2026-05-04T09:00:00Z' }),
    );
    const south = await fi.otherWorker.expect<SaleView>(
      201,
      'POST',
      '/api/v1/sales',
      sale({ soldAt: '2026-05-04T10:00:00Z' }),
    );
    // The visit's receipts, newest first, with the visit's customer.
    const ofVisit = await fi.worker.expect<SalePage>(
      200,
      'GET',
      `/api/v1/sales?visitId=${booked.id}`,
    );
    expect(ofVisit.items.map((s) => [s.id, s.customerId])).toEqual([
      [second.id, customer.id],
      [first.id, customer.id],
    ]);
    // A day's receipts: the worker's station only, the admin's every station; in pages.
    const day = '/api/v1/sales?from=2026-05-04&to=2026-05-04';
    const workers = await fi.worker.expect<SalePage>(200, 'GET', day);
    expect(workers.items.map((s) => s.id)).toEqual([second.id, first.id]);
    const admins = await fi.admin.expect<SalePage>(200, 'GET', `${day}&limit=2`);
    expect(admins.items.map((s) => s.id)).toEqual([south.id, second.id]);
    const next = await fi.admin.expect<SalePage>(
      200,
      'GET',
      `${day}&limit=2&cursor=${admins.nextCursor}`,
    );
    expect(next).toEqual({ items: [expect.objectContaining({ id: first.id })], nextCursor: null });
    expect(
      (
        await fi.admin.expect<SalePage>(200, 'GET', `${day}&stationId=${fi.stationIds[0]}`)
      ).items.map((s) => s.id),
    ).toEqual([second.id, first.id]);
    // One receipt with its lines; another station's is not the worker's to see.
    // A worker asking for another station's receipts gets none.
    expect(
      (await fi.worker.expect<SalePage>(200, 'GET', `${day}&stationId=${fi.stationIds[1]}`)).items,
    ).toEqual([]);
    expect(await fi.worker.expect<SaleView>(200, 'GET', `/api/v1/sales/${first.id}`)).toEqual(
      first,
    );
    expectProblem(await fi.worker.request('GET', `/api/v1/sales/${south.id}`), 404);
    expect((await fi.admin.expect<SaleView>(200, 'GET', `/api/v1/sales/${south.id}`)).id).toBe(
      south.id,
    );
    // Nothing of it for another tenant.
    for (const caller of [pl.admin, pl.worker]) {
      expectProblem(await caller.request('GET', `/api/v1/sales/${first.id}`), 404);
      for (const query of [
        `visitId=${booked.id}`,
        `customerId=${customer.id}`,
        day.split('?')[1],
      ]) {
        const page = await caller.expect<SalePage>(200, 'GET', `/api/v1/sales?${query}`);
        expect(page.items).toEqual([]);
      }
    }
    // Bad input: a clear 422 on the field.
    for (const [query, field, reason] of [
      ['visitId=x', 'visitId', 'invalid_format'],
      ['stationId=x', 'stationId', 'invalid_format'],
      ['customerId=x', 'customerId', 'invalid_format'],
      ['to=31.12.2026', 'to', 'invalid_format'],
      ['from=soon', 'from', 'invalid_format'],
      ['limit=0', 'limit', 'too_small'],
      ['cursor=nope', 'cursor', 'invalid_format'],
      ['colour=red', 'colour', 'unknown_field'],
      ['from=2026-05-05&to=2026-05-04', 'to', 'before_from'],
    ]) {
      expectProblem(await fi.admin.request('GET', `/api/v1/sales?${query}`), 422, field, reason);
    }
    expectProblem(await fi.admin.request('GET', '/api/v1/sales/not-an-id'), 404);
  });
});
