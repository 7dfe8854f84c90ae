import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  ACCESS_RECORDED_V1,
  ACCESS_RECORDED_V2,
  PRIVACY,
  encodeCustomerIds,
  type AccessRecordedV2,
  type AccessEntryV1,
  type AccessLogQuery,
  type CallerContext,
  type EraseCustomerCommand,
} from '@kanta/contracts';
import { commandFor, eventuallyPasses, problemOf } from '@kanta/testing';
import { uuidv7 } from '@kanta/platform';
import { AccessLog } from '../src/audit/access-log.service';
import { Erasures } from '../src/erasures/erasures.service';
import { startPrivacy, type PrivacyHarness } from './privacy-harness';

/*
 * The access audit's keeping side: the gateway's batches of access records (published here as
 * the gateway's outbox publishes them) inserted into the append-only access log, and read back
 * by customer, user, action and time, newest first, in cursor pages; an erasure records its own.
 */
describe('privacy service: the access log (real Postgres and RabbitMQ)', () => {
  let h: PrivacyHarness;
  let admin: CallerContext;

  beforeAll(async () => {
    h = await startPrivacy('audit');
    ({ admin } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  const list = (context: CallerContext, query: AccessLogQuery) =>
    h.app.get(AccessLog).list(context, query);

  /** An entry as the gateway makes it, `at` the time its id says. */
  const entry = (
    action: AccessEntryV1['action'],
    customerIds: string[],
    overrides: Partial<AccessEntryV1> = {},
  ): AccessEntryV1 => ({
    id: uuidv7(),
    at: new Date().toISOString(),
    action,
    userId: admin.userId,
    role: 'admin',
    stationId: h.station,
    customerIds,
    correlationId: `req-${randomUUID()}`,
    ...overrides,
  });

  const stored = (ids: string[]) =>
    h.dataSource.query<{ id: string }[]>(
      'SELECT id FROM privacy.access_log WHERE id = ANY($1::uuid[])',
      [ids],
    );

  it("keeps every entry of the gateway's batches, and lists a customer's views and searches newest first with who, role, station and request", async () => {
    const customer = randomUUID();
    const other = randomUUID();
    const worker = randomUUID();
    const view = entry('view', [customer], { userId: worker, role: 'worker' });
    const search = entry('search', [other, customer], { userId: worker, role: 'worker' });
    const unrelated = entry('search', [other]);
    await h.publish(ACCESS_RECORDED_V1, { entries: [view, search] });
    await h.publish(ACCESS_RECORDED_V1, { entries: [unrelated] });
    await eventuallyPasses(async () =>
      expect(await stored([view.id, search.id, unrelated.id])).toHaveLength(3),
    );

    const page = await list(admin, { customerId: customer });
    expect(page.items).toEqual([
      {
        id: search.id,
        at: search.at,
        action: 'search',
        userId: worker,
        role: 'worker',
        stationId: h.station,
        customerIds: [other, customer],
        correlationId: search.correlationId,
      },
      expect.objectContaining({ id: view.id, action: 'view', customerIds: [customer] }),
    ]);
    expect(page.nextCursor).toBeNull();
  });

  /** The entries as the gateway publishes them now: each caller once, customer ids as bytes. */
  const compact = (entries: AccessEntryV1[]): AccessRecordedV2 => {
    const callers: AccessRecordedV2['callers'] = [];
    const index = (e: AccessEntryV1): number => {
      const found = callers.findIndex(
        (c) => c.userId === e.userId && c.role === e.role && c.stationId === e.stationId,
      );
      return found >= 0
        ? found
        : callers.push({ userId: e.userId, role: e.role, stationId: e.stationId }) - 1;
    };
    return {
      callers,
      entries: entries.map((e) => ({
        id: e.id,
        at: e.at,
        action: e.action,
        caller: index(e),
        customers: encodeCustomerIds(e.customerIds),
        correlationId: e.correlationId,
      })),
    };
  };

  it("keeps the gateway's compact flushes (v2) as it keeps v1's: each entry with its caller's user, role and station, its customers and request", async () => {
    const customer = randomUUID();
    const others = Array.from({ length: 24 }, () => randomUUID());
    const worker = randomUUID();
    const search = entry('search', [...others, customer], { userId: worker, role: 'worker' });
    const view = entry('view', [customer], { userId: worker, role: 'worker' });
    const edit = entry('edit', [customer], { stationId: null });
    const flush = compact([search, view, edit]);
    expect(flush.callers).toHaveLength(2);
    await h.publish(ACCESS_RECORDED_V2, flush);
    await eventuallyPasses(async () =>
      expect(await stored([search.id, view.id, edit.id])).toHaveLength(3),
    );

    const page = await list(admin, { customerId: customer });
    expect(page.items).toEqual([
      {
        id: edit.id,
        at: edit.at,
        action: 'edit',
        userId: admin.userId,
        role: 'admin',
        stationId: null,
        customerIds: [customer],
        correlationId: edit.correlationId,
      },
      expect.objectContaining({
        id: view.id,
        userId: worker,
        role: 'worker',
        stationId: h.station,
      }),
      {
        id: search.id,
        at: search.at,
        action: 'search',
        userId: worker,
        role: 'worker',
        stationId: h.station,
        customerIds: [...others, customer],
        correlationId: search.correlationId,
      },
    ]);
  });

  it('inserts a compact flush delivered again once, beside a v1 flush of the same entries', async () => {
    const customer = randomUUID();
    const view = entry('view', [customer]);
    const edit = entry('edit', [customer]);
    await h.publish(ACCESS_RECORDED_V2, compact([view]));
    // Again, as the gateway's outbox would after a publish it saw no confirm for, with more.
    await h.publish(ACCESS_RECORDED_V2, compact([view, edit]));
    await h.publish(ACCESS_RECORDED_V1, { entries: [edit] });
    await eventuallyPasses(async () =>
      expect((await list(admin, { customerId: customer })).items).toHaveLength(2),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stored([view.id, edit.id])).toHaveLength(2);
  });

  it('inserts a batch delivered again once', async () => {
    const customer = randomUUID();
    const view = entry('view', [customer]);
    await h.publish(ACCESS_RECORDED_V1, { entries: [view] });
    // Another event with the same entries: the gateway's flush retried after a lost answer.
    await h.publish(ACCESS_RECORDED_V1, { entries: [view, entry('edit', [customer])] });
    await eventuallyPasses(async () =>
      expect((await list(admin, { customerId: customer })).items).toHaveLength(2),
    );
    expect(await stored([view.id])).toHaveLength(1);
  });

  it('filters by user, action and time, and pages with the cursor', async () => {
    const user = randomUUID();
    const customer = randomUUID();
    const base = Date.now() - 60_000;
    // Ten views a second apart, then an edit: ids made in that order.
    const views = Array.from({ length: 10 }, (_, i) =>
      entry('view', [customer], { userId: user, at: new Date(base + i * 1000).toISOString() }),
    );
    const edit = entry('edit', [customer], {
      userId: user,
      at: new Date(base + 20_000).toISOString(),
    });
    await h.publish(ACCESS_RECORDED_V1, { entries: [...views, edit] });
    await eventuallyPasses(async () =>
      expect((await list(admin, { userId: user, limit: 100 })).items).toHaveLength(11),
    );

    expect((await list(admin, { userId: user, action: 'edit' })).items.map((e) => e.id)).toEqual([
      edit.id,
    ]);
    const window = await list(admin, {
      userId: user,
      from: views[3].at,
      to: views[7].at,
    });
    expect(window.items.map((e) => e.id)).toEqual([
      views[6].id,
      views[5].id,
      views[4].id,
      views[3].id,
    ]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(admin, { userId: user, action: 'view', limit: 4, cursor });
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(views.map((v) => v.id).reverse());
  });

  it('shows another tenant nothing, and a customer id that is no UUID finds nothing', async () => {
    const customer = randomUUID();
    const view = entry('view', [customer]);
    await h.publish(ACCESS_RECORDED_V1, { entries: [view] });
    await eventuallyPasses(async () => expect(await stored([view.id])).toHaveLength(1));
    expect((await list(h.otherTenant, { customerId: customer })).items).toEqual([]);
    expect((await list(h.otherTenant, { userId: admin.userId })).items).toEqual([]);
    expect(await list(admin, { customerId: 'not-a-uuid' })).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('refuses a cursor it did not issue and a time window that ends before it starts (422 naming the field)', async () => {
    const cursor = await problemOf(list(admin, { cursor: 'bm90LW91cnM' }));
    expect(cursor).toMatchObject({ status: 422 });
    expect(cursor.errors?.[0]).toMatchObject({ field: 'cursor' });
    const window = await problemOf(
      list(admin, { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }),
    );
    expect(window).toMatchObject({ status: 422 });
    expect(window.errors?.[0]).toMatchObject({ field: 'to', reason: 'before_from' });
  });

  it('records an erasure with the admin who asked, their role, station and request', async () => {
    const { customerId, customerNumber } = await h.knownCustomer();
    const data: EraseCustomerCommand = {
      customerId,
      erase: { reason: 'customer_request', confirmCustomerNumber: customerNumber },
    };
    const context = { ...admin, correlationId: 'erase-request-1' };
    const erasure = await h.app
      .get(Erasures)
      .request(context, data, commandFor(PRIVACY.erase, context, data));
    const { items } = await list(admin, { customerId, action: 'erase' });
    expect(items).toEqual([
      expect.objectContaining({
        at: erasure.requestedAt,
        userId: admin.userId,
        role: 'admin',
        stationId: admin.currentStationId,
        customerIds: [customerId],
        correlationId: 'erase-request-1',
      }),
    ]);
  });

  it('is append-only: the service role may not change or delete an entry, nor may the owner (the trigger)', async () => {
    const view = entry('view', [randomUUID()]);
    await h.publish(ACCESS_RECORDED_V1, { entries: [view] });
    await eventuallyPasses(async () => expect(await stored([view.id])).toHaveLength(1));

    await expect(
      h.dataSource.query("UPDATE privacy.access_log SET action = 'edit' WHERE id = $1", [view.id]),
    ).rejects.toThrow(/permission denied/);
    await expect(
      h.dataSource.query('DELETE FROM privacy.access_log WHERE id = $1', [view.id]),
    ).rejects.toThrow(/permission denied/);

    const owner = new Client(h.db.owner('privacy'));
    await owner.connect();
    try {
      for (const sql of [
        "UPDATE privacy.access_log SET action = 'edit' WHERE id = $1",
        'DELETE FROM privacy.access_log WHERE id = $1',
      ]) {
        await expect(owner.query(sql, [view.id])).rejects.toThrow(/append-only/);
      }
      await expect(owner.query('TRUNCATE privacy.access_log')).rejects.toThrow(/append-only/);
    } finally {
      await owner.end();
    }
    expect(await stored([view.id])).toHaveLength(1);
  });
});
