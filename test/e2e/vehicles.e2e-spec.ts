import type { CustomerView, VehiclePage, VehicleView } from '@kanta/contracts';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(120_000);

describe('vehicles through the gateway (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let northCustomer: CustomerView;
  let southCustomer: CustomerView;
  let car: VehicleView;

  beforeAll(async () => {
    e2e = await startE2eSystem('vehicles');
    fi = await createTenant(e2e, 'veh-fi');
    pl = await createTenant(e2e, 'veh-pl', 'PL', 'pl');
    northCustomer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Pohjoinen',
      lastName: 'Asiakas',
      stationIds: [fi.stationIds[0]],
    });
    southCustomer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      companyName: 'Leasing Oy',
      kind: 'company',
      stationIds: [fi.stationIds[1]],
    });
    car = await fi.worker.expect<VehicleView>(201, 'POST', '/api/v1/vehicles', {
      registration: 'tst-001',
      make: 'Make',
      model: 'Model',
      year: 2018,
      vin: 'tstvn-000000000001',
    });
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('registers a vehicle with Location and ETag, the plate as entered and normalised', async () => {
    const response = await fi.admin.request<VehicleView>('POST', '/api/v1/vehicles', {
      registration: 'tst 002',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/api/v1/vehicles/${response.body.id}`);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.body).toMatchObject({
      registration: 'tst 002',
      registrationNormalized: 'TST002',
    });
    expect(car.vin).toBe('TSTVN000000000001');
    const taken = await fi.admin.request('POST', '/api/v1/vehicles', { registration: 'TST-002' });
    expectProblem(taken, 409, 'registration', 'taken');
  });

  it.each([
    ['no registration', {}, 'registration', 'required'],
    ['a registration with symbols', { registration: 'TST/001' }, 'registration', 'invalid_format'],
    ['a registration too long', { registration: 'A'.repeat(21) }, 'registration', 'invalid_format'],
    [
      'a VIN with an O',
      { registration: 'TST-100', vin: 'TSTVO000000000001' },
      'vin',
      'invalid_format',
    ],
    [
      'a VIN with a Q',
      { registration: 'TST-100', vin: 'TSTVQ000000000001' },
      'vin',
      'invalid_format',
    ],
    [
      'a VIN of 16 characters',
      { registration: 'TST-100', vin: 'TSTVN00000000001' },
      'vin',
      'invalid_format',
    ],
    ['a year before 1900', { registration: 'TST-100', year: 1899 }, 'year', 'out_of_range'],
    [
      'a year after next year',
      { registration: 'TST-100', year: new Date().getUTCFullYear() + 2 },
      'year',
      'out_of_range',
    ],
    ['a year that is not whole', { registration: 'TST-100', year: 2000.5 }, 'year', 'invalid_type'],
    ['a make too long', { registration: 'TST-100', make: 'x'.repeat(61) }, 'make', 'too_long'],
    [
      'a last-seen that is no date',
      { registration: 'TST-100', lastSeenAt: 'yesterday' },
      'lastSeenAt',
      'invalid_format',
    ],
    ['a model too long', { registration: 'TST-100', model: 'x'.repeat(61) }, 'model', 'too_long'],
    ['a VIN that is a number', { registration: 'TST-100', vin: 5 }, 'vin', 'invalid_type'],
    ['a year written as text', { registration: 'TST-100', year: '2018' }, 'year', 'invalid_type'],
    [
      'a last-seen without a zone',
      { registration: 'TST-100', lastSeenAt: '2026-05-01T10:00:00' },
      'lastSeenAt',
      'invalid_format',
    ],
    ['an unknown field', { registration: 'TST-100', colour: 'red' }, 'colour', 'unknown_field'],
  ])('refuses %s with a 422 naming the field', async (_what, body, field, reason) => {
    expectProblem(await fi.admin.request('POST', '/api/v1/vehicles', body), 422, field, reason);
  });

  it.each([
    ['a search too long', `q=${'A'.repeat(41)}`, 'q', 'too_long'],
    ['a customer id that is no UUID', 'customerId=x', 'customerId', 'invalid_format'],
    ['a page too big', 'limit=101', 'limit', 'too_large'],
    ['a cursor this API did not issue', 'cursor=nope', 'cursor', 'invalid_format'],
    ['an unknown parameter', 'colour=red', 'colour', 'unknown_field'],
  ])('refuses a vehicle search with %s', async (_what, query, field, reason) => {
    expectProblem(await fi.worker.request('GET', `/api/v1/vehicles?${query}`), 422, field, reason);
  });

  it('finds by plate or VIN typed any way', async () => {
    for (const q of ['TST001', 'tst 001', 't-s-t-0', 'TSTVN0000', 'tstvn-000000000001']) {
      const page = await fi.worker.expect<VehiclePage>(
        200,
        'GET',
        `/api/v1/vehicles?q=${encodeURIComponent(q)}`,
      );
      expect(page.items.map((v) => v.id)).toContain(car.id);
    }
    expectProblem(
      await fi.admin.request('GET', '/api/v1/vehicles?limit=0'),
      422,
      'limit',
      'too_small',
    );
    expectProblem(
      await fi.admin.request('GET', '/api/v1/vehicles?cursor=garbage'),
      422,
      'cursor',
      'invalid_format',
    );
  });

  it('links a just-created customer at once, moves the default, and lists a customer’s vehicles', async () => {
    // Created and linked without waiting: the vehicles service waits for the customer's event.
    const fresh = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Uusi',
      lastName: 'Asiakas',
    });
    const linked = await fi.admin.expect<VehicleView>(
      200,
      'POST',
      `/api/v1/vehicles/${car.id}/customers`,
      {
        customerId: fresh.id,
        role: 'owner',
      },
    );
    expect(linked.customers).toEqual([
      expect.objectContaining({ customerId: fresh.id, role: 'owner' }),
    ]);
    await fi.admin.expect(200, 'POST', `/api/v1/vehicles/${car.id}/customers`, {
      customerId: southCustomer.id,
      role: 'owner',
      isDefault: true,
    });
    const withProxy = await fi.admin.expect<VehicleView>(
      200,
      'POST',
      `/api/v1/vehicles/${car.id}/customers`,
      {
        customerId: northCustomer.id,
        role: 'proxy',
        isDefault: true,
      },
    );
    expect(withProxy.customers.filter((l) => l.isDefault).map((l) => l.customerId)).toEqual([
      northCustomer.id,
    ]);
    const mine = await fi.worker.expect<VehiclePage>(
      200,
      'GET',
      `/api/v1/customers/${northCustomer.id}/vehicles`,
    );
    expect(mine.items.map((v) => v.id)).toEqual([car.id]);
    expectProblem(
      await fi.worker.request('GET', `/api/v1/customers/${northCustomer.id}/vehicles?limit=0`),
      422,
      'limit',
      'too_small',
    );
    // The worker at North does not see the South customer, nor may link or unlink them.
    expectProblem(
      await fi.worker.request('GET', `/api/v1/customers/${southCustomer.id}/vehicles`),
      404,
    );
    expectProblem(
      await fi.worker.request('DELETE', `/api/v1/vehicles/${car.id}/customers/${southCustomer.id}`),
      404,
    );
    await fi.otherWorker.expect(200, 'GET', `/api/v1/customers/${southCustomer.id}/vehicles`);
    const unlinked = await fi.admin.request<VehicleView>(
      'DELETE',
      `/api/v1/vehicles/${car.id}/customers/${fresh.id}`,
    );
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.customers.map((l) => l.customerId)).not.toContain(fresh.id);
    // The answer's ETag is the vehicle's version, good for the next edit's If-Match.
    expect(unlinked.headers.get('etag')).toBe(`"${unlinked.body.version}"`);
    const edited = await fi.admin.request<VehicleView>(
      'PATCH',
      `/api/v1/vehicles/${car.id}`,
      { model: 'Model after unlink' },
      { 'if-match': unlinked.headers.get('etag')! },
    );
    expect(edited.status).toBe(200);
  });

  it('lets customer search find the customer by plate or VIN once the vehicle is linked', async () => {
    const driver = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Kuski',
      lastName: 'Haku',
      stationIds: [fi.stationIds[0]],
    });
    const van = await fi.admin.expect<VehicleView>(201, 'POST', '/api/v1/vehicles', {
      registration: 'SRC-777',
      vin: 'SRCVN000000000777',
    });
    await fi.admin.expect(200, 'POST', `/api/v1/vehicles/${van.id}/customers`, {
      customerId: driver.id,
      role: 'owner',
    });
    const search = async (q: string): Promise<string[]> =>
      (
        await fi.worker.expect<{ items: CustomerView[] }>(
          200,
          'GET',
          `/api/v1/customers?q=${encodeURIComponent(q)}`,
        )
      ).items.map((c) => c.id);
    const deadline = Date.now() + 10_000;
    while (!(await search('SRC-777')).includes(driver.id) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const q of ['SRC-777', 'src777', 'src 777', 'SRCVN000000000777', 'kuski src-777']) {
      expect(await search(q)).toEqual([driver.id]);
    }
    expect(
      (await pl.admin.expect<{ items: unknown[] }>(200, 'GET', '/api/v1/customers?q=SRC-777'))
        .items,
    ).toEqual([]);
  });

  it.each([
    ['an unknown role', { role: 'driver' }, 'role', 'not_allowed'],
    [
      'a customer id that is no UUID',
      { customerId: 'abc', role: 'owner' },
      'customerId',
      'invalid_format',
    ],
    [
      'a default that is no boolean',
      { role: 'owner', isDefault: 'yes' },
      'isDefault',
      'invalid_type',
    ],
    ['no role', { role: undefined }, 'role', 'required'],
    ['no customer', { customerId: undefined, role: 'owner' }, 'customerId', 'required'],
    ['an unknown field', { role: 'owner', since: '2020' }, 'since', 'unknown_field'],
  ])('refuses a link with %s', async (_what, body, field, reason) => {
    expectProblem(
      await fi.admin.request('POST', `/api/v1/vehicles/${car.id}/customers`, {
        customerId: northCustomer.id,
        ...body,
      }),
      422,
      field,
      reason,
    );
  });

  it('refuses to link a customer of another tenant or one that does not exist', async () => {
    const theirs = await pl.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Obcy',
      lastName: 'Klient',
    });
    expectProblem(
      await fi.admin.request('POST', `/api/v1/vehicles/${car.id}/customers`, {
        customerId: theirs.id,
        role: 'owner',
      }),
      422,
      'customerId',
      'unknown_customer',
    );
  });

  it('needs If-Match to change a vehicle and refuses a stale one', async () => {
    const current = await fi.admin.request<VehicleView>('GET', `/api/v1/vehicles/${car.id}`);
    const etag = current.headers.get('etag')!;
    expectProblem(
      await fi.admin.request('PATCH', `/api/v1/vehicles/${car.id}`, { model: 'X' }),
      428,
    );
    const changed = await fi.admin.request<VehicleView>(
      'PATCH',
      `/api/v1/vehicles/${car.id}`,
      { model: 'New' },
      { 'if-match': etag },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.model).toBe('New');
    expectProblem(
      await fi.admin.request(
        'PATCH',
        `/api/v1/vehicles/${car.id}`,
        { model: 'Y' },
        { 'if-match': etag },
      ),
      412,
    );
    expectProblem(
      await fi.admin.request(
        'PATCH',
        `/api/v1/vehicles/${car.id}`,
        { vin: 'IIIIIIIIIIIIIIIII' },
        { 'if-match': changed.headers.get('etag')! },
      ),
      422,
      'vin',
      'invalid_format',
    );
  });

  it('answers 404 to another tenant on every vehicle endpoint and finds nothing of ours', async () => {
    for (const caller of [pl.admin, pl.worker]) {
      expectProblem(await caller.request('GET', `/api/v1/vehicles/${car.id}`), 404);
      expectProblem(
        await caller.request(
          'PATCH',
          `/api/v1/vehicles/${car.id}`,
          { model: 'X' },
          { 'if-match': '"1"' },
        ),
        404,
      );
      expectProblem(
        await caller.request('POST', `/api/v1/vehicles/${car.id}/customers`, {
          customerId: northCustomer.id,
          role: 'owner',
        }),
        404,
      );
      expectProblem(
        await caller.request('DELETE', `/api/v1/vehicles/${car.id}/customers/${northCustomer.id}`),
        404,
      );
      expectProblem(
        await caller.request('GET', `/api/v1/customers/${northCustomer.id}/vehicles`),
        404,
      );
      const found = await caller.expect<VehiclePage>(200, 'GET', '/api/v1/vehicles?q=TST001');
      expect(found.items).toEqual([]);
      // Our real customer, whose vehicle we see, names nothing for them (an empty page).
      const byCustomer = await caller.expect<VehiclePage>(
        200,
        'GET',
        `/api/v1/vehicles?customerId=${northCustomer.id}`,
      );
      expect(byCustomer.items).toEqual([]);
    }
    const ours = await fi.worker.expect<VehiclePage>(
      200,
      'GET',
      `/api/v1/vehicles?customerId=${northCustomer.id}`,
    );
    expect(ours.items.map((v) => v.id)).toEqual([car.id]);
    // And theirs, with a vehicle of their own, names nothing for us.
    const theirCustomer = await pl.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Obca',
      lastName: 'Testowa',
    });
    const theirCar = await pl.admin.expect<VehicleView>(201, 'POST', '/api/v1/vehicles', {
      registration: 'TST-001',
    });
    await pl.admin.expect(200, 'POST', `/api/v1/vehicles/${theirCar.id}/customers`, {
      customerId: theirCustomer.id,
      role: 'owner',
    });
    const theirs = await pl.admin.expect<VehiclePage>(
      200,
      'GET',
      `/api/v1/vehicles?customerId=${theirCustomer.id}`,
    );
    expect(theirs.items.map((v) => v.id)).toEqual([theirCar.id]);
    for (const caller of [fi.admin, fi.worker]) {
      const page = await caller.expect<VehiclePage>(
        200,
        'GET',
        `/api/v1/vehicles?customerId=${theirCustomer.id}`,
      );
      expect(page.items).toEqual([]);
    }
    expectProblem(await e2e.superadmin.request('GET', '/api/v1/vehicles'), 403);
    expectProblem(await fi.admin.request('GET', '/api/v1/vehicles/not-a-uuid'), 404);
  });
});
