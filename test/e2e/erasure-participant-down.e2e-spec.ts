import {
  ERASURE_PARTICIPANTS,
  type CustomerView,
  type ErasureView,
  type VisitPage,
  type VisitView,
} from '@kanta/contracts';
import { eventually } from '@kanta/testing';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

jest.setTimeout(180_000);

/*
 * A participant that is down when an erasure is asked answers when it is back: the request waits
 * in its queue, the receipt shows it pending meanwhile, and completes once it has erased.
 */
describe('an erasure while the vehicles service is stopped (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;

  beforeAll(async () => {
    e2e = await startE2eSystem('erasuredown');
    fi = await createTenant(e2e, 'down-fi');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const receipt = (id: string) =>
    fi.admin.expect<ErasureView>(200, 'GET', `/api/v1/privacy/erasures/${id}`);
  const vehiclesUp = () =>
    fetch(`http://127.0.0.1:${e2e.system.ports.vehicles}/health`, {
      signal: AbortSignal.timeout(1000),
    }).then(
      (r) => r.ok,
      () => false,
    );

  it('shows vehicles pending while it is down, and completes once it is back and has erased', async () => {
    const customer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Odottava',
      lastName: 'Asiakas',
      stationIds: [fi.stationIds[0]],
    });
    const visit = await fi.admin.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: customer.id,
      stationId: fi.stationIds[0],
      kind: 'inspection',
      scheduledAt: '2026-12-20T09:00:00Z',
      channel: 'phone',
      notes: 'Soittaa ennen tuloa',
    });

    // Stopped as an operator stops it, and left down for a while.
    const back = e2e.system.restart('vehicles', { signal: 'SIGTERM', downMs: 8_000 });
    await eventually(async () => ((await vehiclesUp()) ? undefined : true), 15_000);

    const erasure = await fi.admin.expect<ErasureView>(
      202,
      'POST',
      `/api/v1/customers/${customer.id}/erase`,
      { reason: 'customer_request', confirmCustomerNumber: customer.customerNumber },
    );
    const meanwhile = await eventually(async () => {
      const r = await receipt(erasure.id);
      // Every participant but the one that is down.
      const completed = r.confirmations.filter((c) => c.status === 'completed');
      return completed.length === ERASURE_PARTICIPANTS.length - 1 ? r : undefined;
    }, 15_000);
    expect(meanwhile.status).toBe('pending');
    expect(meanwhile.confirmations.find((c) => c.status === 'pending')?.service).toBe('vehicles');
    expect(await vehiclesUp()).toBe(false);

    await back;
    const done = await eventually(async () => {
      const r = await receipt(erasure.id);
      return r.status === 'completed' ? r : undefined;
    }, 30_000);
    expect(done.confirmations.find((c) => c.service === 'vehicles')?.counts).toMatchObject({
      visits: 1,
    });
    const visits = await fi.admin.expect<VisitPage>(
      200,
      'GET',
      `/api/v1/customers/${customer.id}/visits`,
    );
    expect(visits.items.map((v) => [v.id, v.notes])).toEqual([[visit.id, null]]);
  });
});
