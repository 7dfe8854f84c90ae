import { randomUUID } from 'node:crypto';
import {
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  ERASURE_REQUESTED_V1,
  PRIVACY,
  RETENTION_SYSTEM_USER_ID,
  SALE_RECORDED_V1,
  TENANT_SETTINGS_CHANGED_V1,
  VISIT_RECORDED_V1,
  VISIT_UPDATED_V1,
  type CallerContext,
  type RequestDeletionCommand,
} from '@kanta/contracts';
import { commandFor, eventuallyPasses, problemOf } from '@kanta/testing';
import { DeletionRequests } from '../src/deletions/deletion-requests.service';
import { DueRetention } from '../src/retention/due-retention';
import { Retention } from '../src/retention/retention.service';
import { RetentionSweep } from '../src/retention/retention-sweep';
import { startPrivacy, type PrivacyHarness } from './privacy-harness';

const YEAR_MS = 365.25 * 86_400_000;
const yearsAgo = (years: number): Date => new Date(Date.now() - years * YEAR_MS);

/*
 * Retention: each tenant's setting learnt from the gateway's announcements, each customer's last
 * activity from customer, visit and sale events (sent here with times in the past), the preview
 * of who would go, and the sweep erasing them through the erasure saga with a summary per run.
 * Each test has tenants of its own, so runs and previews of one do not see another's customers.
 */
describe('privacy service: retention (real Postgres, RabbitMQ and Redis)', () => {
  let h: PrivacyHarness;

  beforeAll(async () => {
    // The sweep runs at start (nothing is on yet) and then only when a test runs it.
    h = await startPrivacy('retention', { retentionSweepIntervalMs: 3_600_000 });
  });

  afterAll(async () => {
    await h?.close();
  });

  /** An admin of a tenant of its own. */
  const tenant = (): CallerContext => ({
    ...h.admin,
    tenant: { ...h.admin.tenant!, id: randomUUID() },
  });
  const tenantOf = (admin: CallerContext): string => admin.tenant!.id;

  let numbers = 0;
  /** A customer created `age` years ago (the created event's time), once the service knows it. */
  const customer = async (
    admin: CallerContext,
    age: number,
  ): Promise<{ customerId: string; customerNumber: string }> => {
    numbers += 1;
    const customerId = randomUUID();
    const customerNumber = `R${numbers}`;
    await h.publish(
      CUSTOMER_CREATED_V1,
      {
        customerId,
        customerNumber,
        kind: 'person',
        status: 'active',
        origin: 'reception',
        stationIds: [h.station],
        version: 1,
      },
      tenantOf(admin),
      yearsAgo(age),
    );
    await eventuallyPasses(async () => {
      const rows = await h.dataSource.query<unknown[]>(
        `SELECT 1 FROM privacy.known_customers k JOIN privacy.customer_activity a
            USING (tenant_id, customer_id) WHERE customer_id = $1`,
        [customerId],
      );
      expect(rows).toHaveLength(1);
    });
    return { customerId, customerNumber };
  };
  let settingsVersion = 0;
  /** The gateway's announcement of the tenant's setting; waits until the service has it. */
  const setRetention = async (admin: CallerContext, years: number | null): Promise<void> => {
    settingsVersion += 1;
    await h.publish(
      TENANT_SETTINGS_CHANGED_V1,
      { retentionYears: years, version: settingsVersion },
      tenantOf(admin),
    );
    await eventuallyPasses(async () => {
      const [row] = await h.dataSource.query<{ retention_years: number | null }[]>(
        'SELECT retention_years FROM privacy.tenant_settings WHERE tenant_id = $1',
        [tenantOf(admin)],
      );
      expect(row?.retention_years).toBe(years);
    });
  };
  /** Waits until the customer's last activity is `at` (the event was handled). */
  const activityIs = (customerId: string, at: Date) =>
    eventuallyPasses(async () => {
      const [row] = await h.dataSource.query<{ last_activity_at: Date }[]>(
        'SELECT last_activity_at FROM privacy.customer_activity WHERE customer_id = $1',
        [customerId],
      );
      expect(row?.last_activity_at.toISOString()).toBe(at.toISOString());
    });
  const preview = (
    admin: CallerContext,
    query: { years?: number; limit?: number; cursor?: string } = {},
  ) => h.app.get(Retention).preview(admin, query);
  const previewIds = async (admin: CallerContext, years?: number): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await preview(admin, { years, limit: 2, cursor });
      ids.push(...page.items.map((i) => i.customerId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids.sort();
  };
  const erasuresOf = (admin: CallerContext) =>
    h.dataSource.query<{ id: string; customer_id: string; reason: string; requested_by: string }[]>(
      'SELECT id, customer_id, reason, requested_by FROM privacy.erasures WHERE tenant_id = $1',
      [tenantOf(admin)],
    );
  const announcedErasures = (admin: CallerContext) =>
    h.dataSource.query<{ envelope: { payload: { customerId: string; erasureId: string } } }[]>(
      'SELECT envelope FROM privacy.outbox WHERE type = $1 AND tenant_id = $2',
      [ERASURE_REQUESTED_V1, tenantOf(admin)],
    );

  it('is off by default: the preview shows nobody and the sweep erases nobody', async () => {
    const admin = tenant();
    await customer(admin, 20);
    expect(await preview(admin)).toEqual({
      years: null,
      cutoff: null,
      total: 0,
      items: [],
      nextCursor: null,
    });
    await h.app.get(RetentionSweep).sweep.runOnce();
    expect(await h.app.get(DueRetention).sweep()).toBe(0);
    expect(await erasuresOf(admin)).toEqual([]);
    expect((await h.app.get(Retention).runs(admin, {})).items).toEqual([]);
  });

  it("previews exactly the tenant's inactive customers, with its setting or years to try, a page at a time", async () => {
    const admin = tenant();
    const other = tenant();
    const old = [await customer(admin, 6), await customer(admin, 8), await customer(admin, 12)];
    const recent = await customer(admin, 2);
    const ofOther = await customer(other, 12);
    await setRetention(admin, 5);
    await setRetention(other, 5);

    const first = await preview(admin, { limit: 2 });
    expect(first.years).toBe(5);
    expect(first.total).toBe(3);
    expect(first.items).toHaveLength(2);
    expect(first.items[0]).toEqual({
      customerId: expect.any(String),
      customerNumber: expect.stringMatching(/^R\d+$/),
    });
    expect(await previewIds(admin)).toEqual(old.map((c) => c.customerId).sort());
    // Another value to try: 10 years leaves only the oldest; 1 year takes the recent one too.
    expect(await previewIds(admin, 10)).toEqual([old[2].customerId]);
    expect(await previewIds(admin, 1)).toEqual([...old, recent].map((c) => c.customerId).sort());
    expect(await previewIds(other)).toEqual([ofOther.customerId]);
    // Off again: nobody, but a value to try still answers.
    await setRetention(admin, null);
    expect((await preview(admin)).total).toBe(0);
    expect((await preview(admin, { years: 5 })).total).toBe(3);

    const bad = await problemOf(preview(admin, { cursor: 'bm90LW91cnM' }));
    expect(bad.status).toBe(422);
    expect(bad.errors?.[0].field).toBe('cursor');
  });

  it('keeps a customer with a recent visit, sale or edit, whatever order the events come in', async () => {
    const admin = tenant();
    await setRetention(admin, 3);
    const visited = await customer(admin, 10);
    const updatedVisit = await customer(admin, 10);
    const bought = await customer(admin, 10);
    const edited = await customer(admin, 10);
    const idle = await customer(admin, 10);
    const lateOldVisit = await customer(admin, 10);
    const visit = (customerId: string, at: Date) => ({
      visitId: randomUUID(),
      stationId: h.station,
      customerId,
      vehicleId: null,
      kind: 'inspection' as const,
      channel: 'walk_in' as const,
      status: 'completed' as const,
      scheduledAt: at.toISOString(),
      version: 1,
    });
    const lastYear = yearsAgo(1);
    await h.publish(
      VISIT_RECORDED_V1,
      visit(visited.customerId, lastYear),
      tenantOf(admin),
      lastYear,
    );
    await h.publish(
      VISIT_UPDATED_V1,
      visit(updatedVisit.customerId, lastYear),
      tenantOf(admin),
      lastYear,
    );
    await h.publish(
      SALE_RECORDED_V1,
      {
        saleId: randomUUID(),
        stationId: h.station,
        customerId: bought.customerId,
        visitId: null,
        soldAt: lastYear.toISOString(),
        currency: 'EUR',
        totalMinor: 4900,
      },
      tenantOf(admin),
      lastYear,
    );
    await h.publish(
      CUSTOMER_UPDATED_V1,
      {
        customerId: edited.customerId,
        customerNumber: edited.customerNumber,
        status: 'active',
        stationIds: [h.station],
        version: 2,
        changedFields: ['lastName'],
      },
      tenantOf(admin),
      lastYear,
    );
    for (const kept of [visited, updatedVisit, bought, edited]) {
      await activityIs(kept.customerId, lastYear);
    }
    // A visit of years ago, recorded today (an import), arriving after the recent one: the
    // recent one stands.
    await h.publish(
      VISIT_RECORDED_V1,
      visit(lateOldVisit.customerId, lastYear),
      tenantOf(admin),
      lastYear,
    );
    await activityIs(lateOldVisit.customerId, lastYear);
    const eightYearsAgo = yearsAgo(8);
    await h.publish(
      VISIT_RECORDED_V1,
      visit(lateOldVisit.customerId, eightYearsAgo),
      tenantOf(admin),
    );
    await h.publish(VISIT_RECORDED_V1, visit(idle.customerId, eightYearsAgo), tenantOf(admin));
    await activityIs(idle.customerId, eightYearsAgo);

    expect(await previewIds(admin)).toEqual([idle.customerId]);
    expect(await h.app.get(DueRetention).runFor(tenantOf(admin), 3)).toBe(1);
    expect((await erasuresOf(admin)).map((e) => e.customer_id)).toEqual([idle.customerId]);
  });

  it('erases the inactive customers through the erasure saga at the sweep and keeps a summary of the run', async () => {
    const admin = tenant();
    const old = [await customer(admin, 7), await customer(admin, 9)];
    // One active lately: kept.
    await customer(admin, 0.5);
    // One of them asked to be deleted meanwhile: retention's erasure does the request too.
    const data: RequestDeletionCommand = {
      customerId: old[0].customerId,
      request: { channel: 'phone' },
      graceDays: 30,
    };
    const request = await h.app
      .get(DeletionRequests)
      .request(admin, data, commandFor(PRIVACY.requestDeletion, admin, data));
    await setRetention(admin, 5);

    await h.app.get(RetentionSweep).sweep.runOnce();

    const erasures = await erasuresOf(admin);
    expect(erasures.map((e) => e.customer_id).sort()).toEqual(old.map((c) => c.customerId).sort());
    for (const erasure of erasures) {
      expect(erasure).toMatchObject({
        reason: 'retention',
        requested_by: RETENTION_SYSTEM_USER_ID,
      });
    }
    const announced = await announcedErasures(admin);
    expect(announced.map((a) => a.envelope.payload.erasureId).sort()).toEqual(
      erasures.map((e) => e.id).sort(),
    );
    const done = await h.app.get(DeletionRequests).list(admin, { status: 'done' });
    expect(done.items.find((r) => r.id === request.id)?.erasureId).toBe(
      erasures.find((e) => e.customer_id === old[0].customerId)?.id,
    );

    const runs = await h.app.get(Retention).runs(admin, {});
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]).toMatchObject({ years: 5, erased: 2, finishedAt: expect.any(String) });
    expect([...runs.items[0].erasureIds].sort()).toEqual(erasures.map((e) => e.id).sort());
    // Erased customers are no longer candidates; a second run finds nobody and says so.
    expect((await preview(admin)).total).toBe(0);
    expect(await h.app.get(DueRetention).runFor(tenantOf(admin), 5)).toBe(0);
    const again = await h.app.get(Retention).runs(admin, {});
    expect(again.items.map((r) => r.erased)).toEqual([0, 2]);
    expect(await previewIds(admin, 1)).toEqual([]);
  });

  it('erases each customer once when sweeps run at once (two instances)', async () => {
    const admin = tenant();
    const old = [];
    for (let i = 0; i < 7; i++) old.push(await customer(admin, 6));
    await setRetention(admin, 5);
    const due = h.app.get(DueRetention);
    const counts = await Promise.all([
      due.runFor(tenantOf(admin), 5),
      due.runFor(tenantOf(admin), 5),
      due.sweep(),
    ]);
    const erasures = await erasuresOf(admin);
    expect(erasures.map((e) => e.customer_id).sort()).toEqual(old.map((c) => c.customerId).sort());
    expect(await announcedErasures(admin)).toHaveLength(old.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(old.length);
    const runs = await h.app.get(Retention).runs(admin, {});
    expect(runs.items.reduce((sum, r) => sum + r.erased, 0)).toBe(old.length);
    expect(runs.items.flatMap((r) => r.erasureIds).sort()).toEqual(
      erasures.map((e) => e.id).sort(),
    );
  });

  it("keeps the newest of the tenant's settings, whatever order they come in", async () => {
    const admin = tenant();
    settingsVersion += 2;
    await h.publish(
      TENANT_SETTINGS_CHANGED_V1,
      { retentionYears: 7, version: settingsVersion },
      tenantOf(admin),
    );
    await eventuallyPasses(async () => expect((await preview(admin)).years).toBe(7));
    await h.publish(
      TENANT_SETTINGS_CHANGED_V1,
      { retentionYears: 2, version: settingsVersion - 1 },
      tenantOf(admin),
    );
    // Once the older one is handled (in the inbox), the newer still stands.
    await eventuallyPasses(async () => {
      const [{ handled }] = await h.dataSource.query<{ handled: number }[]>(
        `SELECT count(*)::int AS handled FROM privacy.inbox
          WHERE tenant_id = $1 AND event_type = $2`,
        [tenantOf(admin), TENANT_SETTINGS_CHANGED_V1],
      );
      expect(handled).toBe(2);
    });
    expect((await preview(admin)).years).toBe(7);
    await setRetention(admin, 4);
    expect((await preview(admin)).years).toBe(4);
  });
});
