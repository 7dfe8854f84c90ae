import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  CUSTOMERS,
  REPORTING,
  REPORTING_SYSTEM_USER_ID,
  RPC_QUEUES,
  type CallerContext,
  type ConsentTextView,
  type CustomerView,
  type RebuildResult,
  type VehicleView,
  type VisitView,
} from '@kanta/contracts';
import { RpcClient } from '@kanta/platform';
import { eventuallyPasses } from '@kanta/testing';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

jest.setTimeout(120_000);

const run = promisify(execFile);

/*
 * The reporting read model's rebuild (issue #15; services/reporting/README.md, "Rebuild"): the
 * read model emptied, as on a reporting service deployed after the others, is paged again from
 * the owners over RPC while a stream of creates and updates keeps arriving, and ends with the
 * same rows and versions as the owners hold (which a read model fed from the start holds too).
 */
describe('reporting read model rebuild (whole system)', () => {
  const prefix = `e2e.rb${randomBytes(4).toString('hex')}.`;
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  let text: ConsentTextView;
  let reporting: RpcClient;
  let customers: RpcClient;
  let made = 0;

  const system = (tenantId: string | null, role: CallerContext['role']): CallerContext => ({
    tenant: tenantId ? { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'UTC' } : null,
    userId: REPORTING_SYSTEM_USER_ID,
    role,
    stationIds: [],
    currentStationId: null,
    correlationId: randomUUID(),
  });
  const rebuild = (tenantId: string): Promise<RebuildResult> =>
    reporting.call(REPORTING.rebuild, system(null, 'superadmin'), { tenantId });

  /** A customer with a car they own, a visit, a sale, a decision and preferences. */
  const customerWithEverything = async (t: TenantFixture): Promise<CustomerView> => {
    made += 1;
    const c = await t.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Raportti',
      lastName: `Asiakas${made}`,
      email: `raportti${made}@example.test`,
      stationIds: [t.stationIds[0]],
    });
    const car = await t.admin.expect<VehicleView>(201, 'POST', '/api/v1/vehicles', {
      registration: `RB-${made}${randomBytes(2).toString('hex')}`,
    });
    await t.admin.expect(200, 'POST', `/api/v1/vehicles/${car.id}/customers`, {
      customerId: c.id,
      role: 'owner',
    });
    const visit = await t.admin.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: c.id,
      vehicleId: car.id,
      kind: 'booking',
      scheduledAt: '2026-03-01T09:00:00Z',
      channel: 'phone',
    });
    await t.admin.expect(201, 'POST', '/api/v1/sales', {
      customerId: c.id,
      visitId: visit.id,
      receiptNumber: `RB-R-${made}-${randomBytes(3).toString('hex')}`,
      soldAt: '2026-03-01T10:00:00Z',
      currency: 'EUR',
      lines: [
        {
          kind: 'service',
          name: 'Katsastus',
          quantity: 1,
          unitPriceMinor: 5990,
          vatRate: 25.5,
          totalMinor: 5990,
        },
      ],
      totalMinor: 5990,
    });
    if (t === fi) {
      await t.admin.expect(201, 'POST', `/api/v1/customers/${c.id}/consents`, {
        source: 'reception',
        decisions: [{ purpose: 'marketing_email', decision: 'granted', textId: text.id }],
      });
    }
    await t.admin.expect(200, 'PATCH', `/api/v1/customers/${c.id}/communication-preferences`, {
      preferredChannel: 'email',
    });
    return c;
  };

  /** Updates of a card, a visit, a decision and preferences: each makes a newer version. */
  const updateEverything = async (c: CustomerView): Promise<void> => {
    const card = await fi.admin.expect<CustomerView>(200, 'GET', `/api/v1/customers/${c.id}`);
    await fi.admin.expect(
      200,
      'PATCH',
      `/api/v1/customers/${c.id}`,
      { notes: `päivitetty ${card.version}` },
      { 'if-match': `"${card.version}"` },
    );
    const visits = await fi.admin.expect<{ items: VisitView[] }>(
      200,
      'GET',
      `/api/v1/visits?customerId=${c.id}`,
    );
    for (const v of visits.items.filter((x) => x.status !== 'completed')) {
      await fi.admin.expect(
        200,
        'PATCH',
        `/api/v1/visits/${v.id}`,
        { status: 'completed' },
        { 'if-match': `"${v.version}"` },
      );
    }
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${c.id}/consents`, {
      source: 'reception',
      decisions: [{ purpose: 'marketing_email', decision: 'withdrawn', textId: text.id }],
    });
    await fi.admin.expect(200, 'PATCH', `/api/v1/customers/${c.id}/communication-preferences`, {
      blocked: true,
    });
  };

  /** The tenant's rows as its owners hold them now, in the read model's terms. */
  const owners = async (tenantId: string) => ({
    customers: await e2e.database.query(
      `SELECT id::text AS id, version, status,
              CASE WHEN status = 'erased' THEN NULL ELSE last_name END AS last_name,
              CASE WHEN status = 'erased' THEN NULL ELSE notes END AS notes,
              merged_into::text AS merged_into
         FROM customers.customers WHERE tenant_id = $1 ORDER BY id`,
      [tenantId],
    ),
    vehicles: await e2e.database.query(
      `SELECT v.id::text AS id, v.registration_norm AS registration, v.vin,
              (SELECT string_agg(l.customer_id || ':' || l.role, ',' ORDER BY l.customer_id)
                 FROM vehicles.vehicle_customers l
                WHERE l.tenant_id = v.tenant_id AND l.vehicle_id = v.id) AS links,
              v.version
         FROM vehicles.vehicles v WHERE v.tenant_id = $1 ORDER BY v.id`,
      [tenantId],
    ),
    visits: await e2e.database.query(
      `SELECT id::text AS id, version, customer_id::text AS customer_id, status
         FROM vehicles.visits WHERE tenant_id = $1 ORDER BY id`,
      [tenantId],
    ),
    sales: await e2e.database.query(
      `SELECT id::text AS id, customer_id::text AS customer_id, total_minor::text AS total,
              services_minor::text AS services, products_minor::text AS products
         FROM vehicles.sales WHERE tenant_id = $1 ORDER BY id`,
      [tenantId],
    ),
    consents: await e2e.database.query(
      `SELECT DISTINCT ON (customer_id, purpose) customer_id::text AS customer_id, purpose,
              id::text AS entry_id, decision, text_id::text AS text_id,
              (SELECT t.version FROM consents.consent_texts t
                WHERE t.tenant_id = l.tenant_id AND t.id = l.text_id) AS text_version
         FROM consents.ledger l WHERE tenant_id = $1
          -- The ledger keeps an erased person's entries as proof; the read model does not.
          AND NOT EXISTS (SELECT 1 FROM customers.customers c
                           WHERE c.tenant_id = l.tenant_id AND c.id = l.customer_id
                             AND c.status = 'erased')
        ORDER BY customer_id, purpose, id DESC`,
      [tenantId],
    ),
    preferences: await e2e.database.query(
      `SELECT customer_id::text AS customer_id, version, blocked FROM consents.preferences
        WHERE tenant_id = $1 ORDER BY customer_id`,
      [tenantId],
    ),
  });

  /** The tenant's rows in the reporting read model, in the same shape. */
  const readModel = async (tenantId: string) => ({
    customers: await e2e.database.query(
      `SELECT customer_id::text AS id, version, status, last_name, notes,
              merged_into::text AS merged_into
         FROM reporting.customers WHERE tenant_id = $1 ORDER BY customer_id`,
      [tenantId],
    ),
    vehicles: await e2e.database.query(
      `SELECT vehicle_id::text AS id, registration, vin,
              (SELECT string_agg((x ->> 'customerId') || ':' || (x ->> 'role'), ','
                                 ORDER BY x ->> 'customerId')
                 FROM jsonb_array_elements(customers) x) AS links,
              version
         FROM reporting.vehicles WHERE tenant_id = $1 ORDER BY vehicle_id`,
      [tenantId],
    ),
    visits: await e2e.database.query(
      `SELECT visit_id::text AS id, version, customer_id::text AS customer_id, status
         FROM reporting.visits WHERE tenant_id = $1 ORDER BY visit_id`,
      [tenantId],
    ),
    sales: await e2e.database.query(
      `SELECT sale_id::text AS id, customer_id::text AS customer_id, total_minor::text AS total,
              services_minor::text AS services, products_minor::text AS products
         FROM reporting.sales WHERE tenant_id = $1 ORDER BY sale_id`,
      [tenantId],
    ),
    consents: await e2e.database.query(
      `SELECT customer_id::text AS customer_id, purpose, entry_id::text AS entry_id, decision,
              text_id::text AS text_id, text_version
         FROM reporting.consents WHERE tenant_id = $1 ORDER BY customer_id, purpose`,
      [tenantId],
    ),
    preferences: await e2e.database.query(
      `SELECT customer_id::text AS customer_id, version, blocked FROM reporting.preferences
        WHERE tenant_id = $1 ORDER BY customer_id`,
      [tenantId],
    ),
  });

  /**
   * The read model holds the owners' rows. A vehicle's version alone may be behind: a completed
   * visit records the car's sighting as a new version without an event (nothing reportable
   * changes; VehiclesRepository.seen), which a read model fed from the start never sees either,
   * and a page may or may not have read. Its plate, VIN and customers are the owner's.
   */
  const expectOwnersRows = async (tenantId: string): Promise<void> => {
    const [held, owned] = [await readModel(tenantId), await owners(tenantId)];
    const withoutVersion = (rows: Record<string, unknown>[]) =>
      rows.map(({ version: _version, ...rest }) => rest);
    expect({ ...held, vehicles: withoutVersion(held.vehicles) }).toEqual({
      ...owned,
      vehicles: withoutVersion(owned.vehicles),
    });
    held.vehicles.forEach((v, i) =>
      expect(v.version as number).toBeLessThanOrEqual(owned.vehicles[i].version as number),
    );
  };

  const emptyReadModel = () =>
    e2e.database.query(
      `TRUNCATE reporting.customers, reporting.vehicles, reporting.visits, reporting.sales,
                reporting.consents, reporting.preferences`,
    );

  beforeAll(async () => {
    // Pages of three rows: a rebuild of a few dozen rows takes many pages, between which the
    // stream's events land.
    e2e = await startE2eSystem('rebuild', {
      RPC_QUEUE_PREFIX: prefix,
      REPORTING_REBUILD_PAGE_SIZE: '3',
    });
    fi = await createTenant(e2e, 'rb-fi');
    pl = await createTenant(e2e, 'rb-pl', 'PL', 'pl');
    text = await fi.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
      purpose: 'marketing_email',
      locale: 'fi',
      body: 'Saat lähettää minulle tarjouksia.',
    });
    const client = (service: 'reporting' | 'customers') =>
      new RpcClient({
        service,
        amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
        queue: `${prefix}${RPC_QUEUES[service]}`,
        timeoutMs: 60_000,
      });
    reporting = client('reporting');
    customers = client('customers');
  });
  afterAll(async () => {
    await reporting?.close();
    await customers?.close();
    await e2e?.stop();
  });

  it('rebuilds an emptied read model during a stream of creates and updates: the same rows and versions as the owners', async () => {
    const seeded: CustomerView[] = [];
    for (let i = 0; i < 6; i += 1) seeded.push(await customerWithEverything(fi));
    await customerWithEverything(pl);
    // One erased (its card a shell, its decisions gone), one merged into another (its visit and
    // sale the survivor's): the pages say so, as the events did.
    const [erased, duplicate] = seeded.splice(4, 2);
    expect(
      (
        await fi.admin.request('POST', `/api/v1/customers/${erased.id}/erase`, {
          reason: 'customer_request',
          confirmCustomerNumber: erased.customerNumber,
        })
      ).status,
    ).toBe(202);
    const merge = await fi.admin.request<{ id: string }>(
      'POST',
      `/api/v1/customers/${seeded[0].id}/merge`,
      { duplicateId: duplicate.id },
    );
    expect(merge.status).toBe(202);
    await eventuallyPasses(
      async () => {
        const rows = await e2e.database.query<{ status: string }>(
          'SELECT status FROM customers.customers WHERE id = ANY($1) ORDER BY status',
          [[erased.id, duplicate.id]],
        );
        expect(rows.map((r) => r.status)).toEqual(['erased', 'merged']);
        const moved = await e2e.database.query(
          'SELECT 1 FROM vehicles.visits WHERE customer_id = $1',
          [duplicate.id],
        );
        expect(moved).toEqual([]);
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // Fed from the start: the read model holds what the owners hold.
    await eventuallyPasses(() => expectOwnersRows(fi.tenantId), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });

    await emptyReadModel();
    let streaming = true;
    const stream = (async () => {
      let i = 0;
      while (streaming) {
        await updateEverything(seeded[i % seeded.length]);
        seeded.push(await customerWithEverything(fi));
        i += 1;
      }
      return i;
    })();
    const result = await rebuild(fi.tenantId).finally(() => {
      streaming = false;
    });
    const rounds = await stream;
    expect(rounds).toBeGreaterThan(0);
    expect(result.tenantId).toBe(fi.tenantId);
    expect(result.counts.customers).toBeGreaterThanOrEqual(6);

    // Quiescence: every event of the stream applied, the read model is the owners' data.
    await eventuallyPasses(() => expectOwnersRows(fi.tenantId), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    const rebuilt = await readModel(fi.tenantId);
    expect(rebuilt.customers.length).toBe(seeded.length + 2);
    expect(rebuilt.visits.length).toBe(seeded.length + 2);
    expect(rebuilt.sales.length).toBe(seeded.length + 2);
    expect(rebuilt.customers.find((c) => c.id === erased.id)).toMatchObject({
      status: 'erased',
      last_name: null,
    });
    expect(rebuilt.consents.filter((c) => c.customer_id === erased.id)).toEqual([]);
    expect(rebuilt.visits.filter((v) => v.customer_id === duplicate.id)).toEqual([]);
    expect(rebuilt.visits.filter((v) => v.customer_id === seeded[0].id)).toHaveLength(2);
    // The other tenant's rows were not part of this rebuild (it is still empty).
    expect((await readModel(pl.tenantId)).customers).toEqual([]);

    // A rebuild again changes nothing but a vehicle's sighting version (above), and a rebuild
    // twice nothing at all.
    await rebuild(fi.tenantId);
    await expectOwnersRows(fi.tenantId);
    const settled = await readModel(fi.tenantId);
    expect({ ...settled, vehicles: [] }).toEqual({ ...rebuilt, vehicles: [] });
    // This one by the command, as an operator runs it.
    const { stdout } = await run(
      process.execPath,
      ['dist/services/reporting/src/rebuild/rebuild-command.js', fi.tenantId],
      { env: { ...process.env, ...e2e.database.env, RPC_QUEUE_PREFIX: prefix } },
    );
    expect(JSON.parse(stdout)).toMatchObject({ tenantId: fi.tenantId });
    expect(await readModel(fi.tenantId)).toEqual(settled);
  });

  it('rebuilds at start: every tenant when none was ever rebuilt, and a rebuild that stopped', async () => {
    // A first start on a database where the owners hold data: no read model, no rebuild state.
    await emptyReadModel();
    await e2e.database.query('TRUNCATE reporting.rebuild_state');
    await e2e.system.restart('reporting', { startTimeoutMs: 60_000 });
    for (const t of [fi, pl]) {
      await eventuallyPasses(() => expectOwnersRows(t.tenantId), {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
    }
    const state = await e2e.database.query<{ tenant_id: string; completed: boolean }>(
      `SELECT tenant_id::text AS tenant_id, completed_at IS NOT NULL AS completed
         FROM reporting.rebuild_state ORDER BY tenant_id`,
    );
    expect(state).toEqual(
      [fi.tenantId, pl.tenantId].sort().map((tenant_id) => ({ tenant_id, completed: true })),
    );

    // A rebuild that stopped (its tenant's row not completed) runs again at the next start; the
    // completed one does not.
    await emptyReadModel();
    await e2e.database.query(
      'UPDATE reporting.rebuild_state SET completed_at = NULL WHERE tenant_id = $1',
      [pl.tenantId],
    );
    await e2e.system.restart('reporting', { startTimeoutMs: 60_000 });
    await eventuallyPasses(() => expectOwnersRows(pl.tenantId), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect((await readModel(fi.tenantId)).customers).toEqual([]);
  });

  it('answers a problem for a caller that may not rebuild or page, and for a cursor it did not issue', async () => {
    await expect(
      reporting.call(REPORTING.rebuild, system(pl.tenantId, 'admin'), { tenantId: fi.tenantId }),
    ).rejects.toMatchObject({ problem: { status: 403 } });
    await expect(
      reporting.call(REPORTING.rebuild, system(null, 'superadmin'), {
        tenantId: 'not-a-tenant',
      }),
    ).rejects.toMatchObject({ problem: { status: 422 } });
    await expect(
      customers.call(CUSTOMERS.reportableCards, system(fi.tenantId, 'worker'), {}),
    ).rejects.toMatchObject({ problem: { status: 403 } });
    await expect(
      customers.call(CUSTOMERS.reportableCards, system(null, 'superadmin'), {}),
    ).rejects.toMatchObject({ problem: { status: 403 } });
    await expect(
      customers.call(CUSTOMERS.reportableCards, system(fi.tenantId, 'admin'), {
        cursor: 'bm90LW91cnM',
      }),
    ).rejects.toMatchObject({ problem: { status: 422 } });
    await expect(
      customers.call(CUSTOMERS.reportableCards, system(fi.tenantId, 'admin'), { limit: 5000 }),
    ).rejects.toMatchObject({ problem: { status: 422 } });
    await expect(
      customers.call(CUSTOMERS.reportableTenants, system(fi.tenantId, 'admin'), {}),
    ).rejects.toMatchObject({ problem: { status: 403 } });
    // A page and its cursor: the next page starts after the last id of this one.
    const first = await customers.call(CUSTOMERS.reportableCards, system(fi.tenantId, 'admin'), {
      limit: 2,
    });
    expect(first.items).toHaveLength(2);
    const second = await customers.call(CUSTOMERS.reportableCards, system(fi.tenantId, 'admin'), {
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(second.items[0].customerId > first.items[1].customerId).toBe(true);
  });
});
