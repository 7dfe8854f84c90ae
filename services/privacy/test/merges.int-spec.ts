import { randomUUID } from 'node:crypto';
import {
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  ERASURE_REQUESTED_V1,
  MERGE_COMPLETED_V1,
  MERGE_PARTICIPANTS,
  MERGE_REQUESTED_V1,
  MERGE_UNDONE_V1,
  MERGE_UNDO_REQUESTED_V1,
  PRIVACY,
  SALE_RECORDED_V1,
  VISIT_RECORDED_V1,
  type CallerContext,
  type MergeParticipant,
  type MergeView,
  type ProblemDetails,
  type RequestDeletionCommand,
} from '@kanta/contracts';
import { RpcProblem } from '@kanta/platform';
import { commandFor, eventuallyPasses, problemOf } from '@kanta/testing';
import { DeletionRequests } from '../src/deletions/deletion-requests.service';
import { Erasures } from '../src/erasures/erasures.service';
import { Merges } from '../src/merges/merges.service';
import { DueRetention } from '../src/retention/due-retention';
import { startPrivacy, type PrivacyHarness } from './privacy-harness';

/*
 * The privacy service on a database and broker names of its own: it records merges (and their
 * undo) under both customers' locks, announces them, and completes them from the participants'
 * answers, published here as the participants publish them. Erasures and deletion requests take
 * the same locks and refuse merged customers.
 */
describe('privacy service: merges (real Postgres and RabbitMQ)', () => {
  let h: PrivacyHarness;
  let admin: CallerContext;
  let otherTenant: CallerContext;

  beforeAll(async () => {
    // Long enough for a test to answer for the customers service while the request waits.
    h = await startPrivacy('merges', { mergeAnswerWaitMs: 1000 });
    ({ admin, otherTenant } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  const merges = () => h.app.get(Merges);
  const merge = (
    context: CallerContext,
    survivorId: string,
    duplicateId: string,
    options: { key?: string } = {},
  ) => {
    const data = { customerId: survivorId, merge: { duplicateId } };
    return merges().request(context, data, commandFor(PRIVACY.merge, context, data, options));
  };
  const undo = (context: CallerContext, id: string, options: { key?: string } = {}) =>
    merges().undo(context, id, commandFor(PRIVACY.undoMerge, context, { id }, options));
  const erase = (context: CallerContext, c: { customerId: string; customerNumber: string }) => {
    const data = {
      customerId: c.customerId,
      erase: { reason: 'customer_request' as const, confirmCustomerNumber: c.customerNumber },
    };
    return h.app.get(Erasures).request(context, data, commandFor(PRIVACY.erase, context, data));
  };
  const requestDeletion = (context: CallerContext, customerId: string) => {
    const data: RequestDeletionCommand = {
      customerId,
      request: { channel: 'phone' },
      graceDays: 30,
    };
    return h.app
      .get(DeletionRequests)
      .request(context, data, commandFor(PRIVACY.requestDeletion, context, data));
  };

  /** A participant's answer to the merge, or (`undone`) to its undo. */
  const answer = (
    m: Pick<MergeView, 'id' | 'survivorId' | 'duplicateId'>,
    participant: MergeParticipant,
    options: {
      counts?: Record<string, number>;
      conflicts?: string[];
      undone?: boolean;
      tenantId?: string;
    } = {},
  ) => {
    const pair = { mergeId: m.id, survivorId: m.survivorId, duplicateId: m.duplicateId };
    const counts = options.counts ?? { rows: 1 };
    const at = new Date().toISOString();
    return options.undone
      ? h.publish(MERGE_UNDONE_V1, { ...pair, participant, counts, undoneAt: at }, options.tenantId)
      : h.publish(
          MERGE_COMPLETED_V1,
          {
            ...pair,
            participant,
            counts,
            completedAt: at,
            ...(options.conflicts ? { conflicts: options.conflicts } : {}),
          },
          options.tenantId,
        );
  };
  const statusIs = (id: string, status: MergeView['status']) =>
    eventuallyPasses(async () => {
      expect((await merges().get(admin, id)).status).toBe(status);
    });
  /** A merge every participant has confirmed. */
  const completedMerge = async (survivorId: string, duplicateId: string): Promise<MergeView> => {
    const m = await merge(admin, survivorId, duplicateId);
    for (const participant of MERGE_PARTICIPANTS) await answer(m, participant);
    await statusIs(m.id, 'completed');
    return merges().get(admin, m.id);
  };
  const outboxOf = (type: string, key: string, value: string) =>
    h.dataSource.query<{ envelope: { payload: Record<string, unknown> } }[]>(
      `SELECT envelope FROM privacy.outbox WHERE type = $1 AND envelope->'payload'->>$2 = $3
        ORDER BY id`,
      [type, key, value],
    );
  const knownRow = async (customerId: string) => {
    const [row] = await h.dataSource.query<{ status: string; merged_into: string | null }[]>(
      'SELECT status, merged_into FROM privacy.known_customers WHERE customer_id = $1',
      [customerId],
    );
    return row;
  };
  const mergesOf = (customerId: string) =>
    h.dataSource.query<{ id: string }[]>(
      'SELECT id FROM privacy.merges WHERE survivor_id = $1 OR duplicate_id = $1',
      [customerId],
    );
  const expectConflict = (problem: Pick<ProblemDetails, 'status' | 'type'>, type: string) => {
    expect(problem.status).toBe(409);
    expect(problem.type).toContain(type);
  };

  it('records the merge with ids only, marks the duplicate merged, logs the access, and completes when every participant has answered', async () => {
    const survivor = await h.knownCustomer();
    const duplicate = await h.knownCustomer();
    const m = await merge(admin, survivor.customerId, duplicate.customerId);
    expect(m).toMatchObject({
      survivorId: survivor.customerId,
      duplicateId: duplicate.customerId,
      status: 'pending',
      requestedBy: admin.userId,
      completedAt: null,
      conflicts: [],
    });
    expect(m.undo).toBeUndefined();
    expect(Date.parse(m.undoableUntil) - Date.parse(m.requestedAt)).toBe(30 * 86_400_000);
    expect(m.confirmations.map((c) => [c.service, c.status]).sort()).toEqual(
      [...MERGE_PARTICIPANTS].sort().map((p) => [p, 'pending']),
    );
    const requests = await outboxOf(MERGE_REQUESTED_V1, 'mergeId', m.id);
    expect(requests.map((r) => r.envelope.payload)).toEqual([
      {
        mergeId: m.id,
        survivorId: survivor.customerId,
        duplicateId: duplicate.customerId,
        requestedAt: m.requestedAt,
      },
    ]);
    expect(await knownRow(duplicate.customerId)).toEqual({
      status: 'merged',
      merged_into: survivor.customerId,
    });
    expect(await knownRow(survivor.customerId)).toEqual({ status: 'active', merged_into: null });
    const log = await h.dataSource.query<{ action: string; customer_ids: string[] }[]>(
      'SELECT action, customer_ids FROM privacy.access_log WHERE $1 = ANY(customer_ids)',
      [duplicate.customerId],
    );
    expect(log).toEqual([
      { action: 'merge', customer_ids: [survivor.customerId, duplicate.customerId] },
    ]);

    await answer(m, 'vehicles', { counts: { links: 2 } });
    await answer(m, 'customers', { counts: { reminders: 1 }, conflicts: ['birthday'] });
    await eventuallyPasses(async () => {
      const view = await merges().get(admin, m.id);
      expect(view.confirmations.filter((c) => c.status === 'completed')).toHaveLength(2);
      expect(view.conflicts).toEqual([{ field: 'birthday', kept: 'survivor' }]);
    });
    expect((await merges().get(admin, m.id)).status).toBe('pending');
    await answer(m, 'reporting', { counts: { visits: 2, sales: 1 } });
    await answer(m, 'consents', { counts: { decisions: 3 } });
    // A second answer of one that confirmed already changes nothing.
    await answer(m, 'customers', { counts: { reminders: 9 }, conflicts: ['customerNumber'] });
    await statusIs(m.id, 'completed');
    const done = await merges().get(admin, m.id);
    expect(done.completedAt).not.toBeNull();
    expect(done.conflicts).toEqual([{ field: 'birthday', kept: 'survivor' }]);
    expect(done.confirmations.find((c) => c.service === 'customers')).toMatchObject({
      status: 'completed',
      counts: { reminders: 1 },
    });
    expect(done.confirmations.find((c) => c.service === 'vehicles')?.counts).toEqual({ links: 2 });
  });

  it("answers with the customers service's conflicts when it answers while the request waits", async () => {
    const survivor = await h.knownCustomer();
    const duplicate = await h.knownCustomer();
    const pending = merge(admin, survivor.customerId, duplicate.customerId);
    let recorded: { id: string } | undefined;
    await eventuallyPasses(async () => {
      [recorded] = await mergesOf(duplicate.customerId);
      expect(recorded).toBeDefined();
    });
    await answer(
      { id: recorded!.id, survivorId: survivor.customerId, duplicateId: duplicate.customerId },
      'customers',
      { conflicts: ['customerNumber', 'birthday'] },
    );
    const m = await pending;
    expect(m.conflicts).toEqual([
      { field: 'customerNumber', kept: 'survivor' },
      { field: 'birthday', kept: 'survivor' },
    ]);
    expect(m.confirmations.find((c) => c.service === 'customers')?.status).toBe('completed');
    expect(m.status).toBe('pending');
  });

  it('answers 404 naming which customer is unknown (or of another tenant, across tenants too), and 422 for a merge with itself', async () => {
    const known = await h.knownCustomer();
    const unknown = randomUUID();
    const noSurvivor = await problemOf(merge(admin, unknown, known.customerId));
    expect(noSurvivor.status).toBe(404);
    expect(noSurvivor.detail).toContain(unknown);
    const noDuplicate = await problemOf(merge(admin, known.customerId, unknown));
    expect(noDuplicate.status).toBe(404);
    expect(noDuplicate.detail).toContain('duplicateId');
    expect(noDuplicate.detail).toContain(unknown);
    const other = await h.knownCustomer();
    expect((await problemOf(merge(otherTenant, known.customerId, other.customerId))).status).toBe(
      404,
    );
    // Across tenants: the other tenant's customer is not known in this one.
    const theirs = randomUUID();
    await h.publish(
      CUSTOMER_CREATED_V1,
      {
        customerId: theirs,
        customerNumber: 'T1',
        kind: 'person',
        status: 'active',
        origin: 'reception',
        stationIds: [h.station],
        version: 1,
      },
      otherTenant.tenant!.id,
    );
    await eventuallyPasses(async () => {
      expect(await knownRow(theirs)).toBeDefined();
    });
    const across = await problemOf(merge(admin, known.customerId, theirs));
    expect(across.status).toBe(404);
    expect(across.detail).toContain('duplicateId');
    expect((await problemOf(merge(otherTenant, theirs, known.customerId))).status).toBe(404);
    expect(await knownRow(theirs)).toEqual({ status: 'active', merged_into: null });
    const itself = await problemOf(merge(admin, known.customerId, known.customerId));
    expect(itself.status).toBe(422);
    expect(itself.errors).toEqual([
      expect.objectContaining({ field: 'duplicateId', reason: 'same-customer' }),
    ]);
    expect(await mergesOf(known.customerId)).toEqual([]);
    expect((await knownRow(known.customerId)).status).toBe('active');
  });

  it('refuses (409) an erased customer, one merged already (naming the end of its chain), one in a merge in progress, and one with a pending deletion request', async () => {
    const [a, b, c, d] = [
      await h.knownCustomer(),
      await h.knownCustomer(),
      await h.knownCustomer(),
      await h.knownCustomer(),
    ];
    const erased = await h.knownCustomer();
    await erase(admin, erased);
    expectConflict(
      await problemOf(merge(admin, a.customerId, erased.customerId)),
      'customer-erased',
    );
    expectConflict(
      await problemOf(merge(admin, erased.customerId, a.customerId)),
      'customer-erased',
    );

    // One the customers service reports erased (erased before this service learnt of it).
    const reported = await h.knownCustomer();
    await h.publish(CUSTOMER_UPDATED_V1, {
      customerId: reported.customerId,
      customerNumber: reported.customerNumber,
      status: 'erased',
      stationIds: [h.station],
      version: 2,
      changedFields: ['status'],
    });
    await eventuallyPasses(async () => {
      expect((await knownRow(reported.customerId)).status).toBe('erased');
    });
    expectConflict(
      await problemOf(merge(admin, a.customerId, reported.customerId)),
      'customer-erased',
    );

    // b into c, pending: both are in a merge in progress.
    const pending = await merge(admin, c.customerId, b.customerId);
    const busy = await problemOf(merge(admin, c.customerId, a.customerId));
    expectConflict(busy, 'merge-in-progress');
    expect(busy.detail).toContain(pending.id);
    for (const participant of MERGE_PARTICIPANTS) await answer(pending, participant);
    await statusIs(pending.id, 'completed');
    // c into d: b's chain ends at d.
    await completedMerge(d.customerId, c.customerId);
    for (const [survivor, duplicate] of [
      [a.customerId, b.customerId],
      [b.customerId, a.customerId],
    ]) {
      const merged = await problemOf(merge(admin, survivor, duplicate));
      expectConflict(merged, 'customer-merged');
      expect(merged).toMatchObject({ survivorId: d.customerId });
    }

    const asked = await h.knownCustomer();
    await requestDeletion(admin, asked.customerId);
    for (const [survivor, duplicate] of [
      [a.customerId, asked.customerId],
      [asked.customerId, a.customerId],
    ]) {
      expectConflict(await problemOf(merge(admin, survivor, duplicate)), 'deletion-pending');
    }
    expect(await mergesOf(a.customerId)).toEqual([]);
    expect((await knownRow(a.customerId)).status).toBe('active');
  });

  it('runs a request once: the same command again answers the same merge', async () => {
    const survivor = await h.knownCustomer();
    const duplicate = await h.knownCustomer();
    const first = await merge(admin, survivor.customerId, duplicate.customerId, { key: 'm-1' });
    const again = await merge(admin, survivor.customerId, duplicate.customerId, { key: 'm-1' });
    expect(again.id).toBe(first.id);
    expect(await mergesOf(duplicate.customerId)).toHaveLength(1);
    expect(await outboxOf(MERGE_REQUESTED_V1, 'mergeId', first.id)).toHaveLength(1);
  });

  it("answers an unknown merge, another tenant's and a malformed id as not found", async () => {
    const m = await merge(
      admin,
      (await h.knownCustomer()).customerId,
      (await h.knownCustomer()).customerId,
    );
    expect((await problemOf(merges().get(otherTenant, m.id))).status).toBe(404);
    expect((await problemOf(merges().get(admin, randomUUID()))).status).toBe(404);
    expect((await problemOf(merges().get(admin, 'not-an-id'))).status).toBe(404);
    expect((await problemOf(undo(otherTenant, m.id))).status).toBe(404);
    expect((await problemOf(undo(admin, randomUUID()))).status).toBe(404);
  });

  it('refuses to erase a merged duplicate (409 naming the survivor) and the customers of a merge in progress, and erases the customers merged into the erased one along a chain', async () => {
    const [a, b, c, undone] = [
      await h.knownCustomer(),
      await h.knownCustomer(),
      await h.knownCustomer(),
      await h.knownCustomer(),
    ];
    const pending = await merge(admin, b.customerId, a.customerId);
    const merged = await problemOf(erase(admin, a));
    expectConflict(merged, 'customer-merged');
    expect(merged).toMatchObject({ survivorId: b.customerId });
    expectConflict(await problemOf(erase(admin, b)), 'merge-in-progress');
    for (const participant of MERGE_PARTICIPANTS) await answer(pending, participant);
    await statusIs(pending.id, 'completed');
    // A merge into c undone (not erased with it), then b into c (pending: refuses the erasure).
    const undoneMerge = await completedMerge(c.customerId, undone.customerId);
    await undo(admin, undoneMerge.id);
    for (const participant of MERGE_PARTICIPANTS) {
      await answer(undoneMerge, participant, { undone: true });
    }
    await statusIs(undoneMerge.id, 'undone');
    const bIntoC = await merge(admin, c.customerId, b.customerId);
    expectConflict(await problemOf(erase(admin, c)), 'merge-in-progress');
    for (const participant of MERGE_PARTICIPANTS) await answer(bIntoC, participant);
    await statusIs(bIntoC.id, 'completed');

    const erasure = await erase(admin, c);
    const [request] = await outboxOf(ERASURE_REQUESTED_V1, 'erasureId', erasure.id);
    expect(request.envelope.payload.mergedCustomerIds).toEqual([a.customerId, b.customerId].sort());
  });

  it("refuses a deletion request for a merged duplicate (409 naming the survivor) and for a merge in progress's customers", async () => {
    const survivor = await h.knownCustomer();
    const duplicate = await h.knownCustomer();
    await merge(admin, survivor.customerId, duplicate.customerId);
    const merged = await problemOf(requestDeletion(admin, duplicate.customerId));
    expectConflict(merged, 'customer-merged');
    expect(merged).toMatchObject({ survivorId: survivor.customerId });
    expectConflict(
      await problemOf(requestDeletion(admin, survivor.customerId)),
      'merge-in-progress',
    );
    const rows = await h.dataSource.query<unknown[]>(
      'SELECT 1 FROM privacy.deletion_requests WHERE customer_id = ANY($1::uuid[])',
      [[survivor.customerId, duplicate.customerId]],
    );
    expect(rows).toEqual([]);
  });

  const yearsAgo = (years: number) => new Date(Date.now() - years * 366 * 86_400_000);
  /** A tenant of its own for retention: its customers with their last activity, its merges. */
  const retentionTenant = () => {
    const tenant: CallerContext = { ...admin, tenant: { ...admin.tenant!, id: randomUUID() } };
    const tenantId = tenant.tenant!.id;
    const customer = async (age: number) => {
      const customerId = randomUUID();
      await h.publish(
        CUSTOMER_CREATED_V1,
        {
          customerId,
          customerNumber: `M${age}`,
          kind: 'person',
          status: 'active',
          origin: 'reception',
          stationIds: [h.station],
          version: 1,
        },
        tenantId,
        yearsAgo(age),
      );
      await eventuallyPasses(async () => {
        const rows = await h.dataSource.query<unknown[]>(
          `SELECT 1 FROM privacy.known_customers JOIN privacy.customer_activity
             USING (tenant_id, customer_id) WHERE customer_id = $1`,
          [customerId],
        );
        expect(rows).toHaveLength(1);
      });
      return customerId;
    };
    const complete = async (m: MergeView) => {
      for (const participant of MERGE_PARTICIPANTS) await answer(m, participant, { tenantId });
      await eventuallyPasses(async () => {
        expect((await merges().get(tenant, m.id)).status).toBe('completed');
      });
    };
    return { tenant, tenantId, customer, complete };
  };
  const activityOf = async (customerId: string): Promise<Date | undefined> =>
    (
      await h.dataSource.query<{ last_activity_at: Date }[]>(
        'SELECT last_activity_at FROM privacy.customer_activity WHERE customer_id = $1',
        [customerId],
      )
    )[0]?.last_activity_at;

  it("retention skips a merged duplicate and judges the survivor by the later of both customers' activity", async () => {
    const { tenant, tenantId, customer, complete } = retentionTenant();
    // An idle survivor with a recent duplicate: not due.
    const idle = await customer(9);
    const recent = await customer(1);
    await complete(await merge(tenant, idle, recent));
    // Both idle: the survivor goes, the duplicate with it (not on its own).
    const oldSurvivor = await customer(9);
    const oldDuplicate = await customer(8);
    await complete(await merge(tenant, oldSurvivor, oldDuplicate));

    expect(await h.app.get(DueRetention).runFor(tenantId, 5)).toBe(1);
    const erased = await h.dataSource.query<{ id: string; customer_id: string }[]>(
      'SELECT id, customer_id FROM privacy.erasures WHERE tenant_id = $1',
      [tenantId],
    );
    expect(erased.map((e) => e.customer_id)).toEqual([oldSurvivor]);
    const [request] = await outboxOf(ERASURE_REQUESTED_V1, 'erasureId', erased[0].id);
    expect(request.envelope.payload.mergedCustomerIds).toEqual([oldDuplicate]);
  });

  it('retention counts a late visit or sale naming a merged duplicate for its survivor, at the end of a chain', async () => {
    const { tenant, tenantId, customer, complete } = retentionTenant();
    const survivor = await customer(9);
    const duplicate = await customer(8);
    await complete(await merge(tenant, survivor, duplicate));
    const lastYear = yearsAgo(1);
    // A partner's late visit naming the duplicate (the vehicles service sends it to the
    // survivor; a replay or an older event still names the duplicate).
    await h.publish(
      VISIT_RECORDED_V1,
      {
        visitId: randomUUID(),
        stationId: h.station,
        customerId: duplicate,
        vehicleId: null,
        kind: 'inspection',
        channel: 'walk_in',
        status: 'completed',
        scheduledAt: lastYear.toISOString(),
        version: 1,
      },
      tenantId,
      lastYear,
    );
    await eventuallyPasses(async () => {
      expect((await activityOf(survivor))?.toISOString()).toBe(lastYear.toISOString());
    });
    expect((await activityOf(duplicate))!.getTime()).toBeLessThan(yearsAgo(7).getTime());
    expect(await h.app.get(DueRetention).runFor(tenantId, 5)).toBe(0);

    // The survivor merged on into a third: a late sale naming the first duplicate is the third's.
    const end = await customer(9);
    await complete(await merge(tenant, end, survivor));
    const lastMonth = new Date(Date.now() - 30 * 86_400_000);
    await h.publish(
      SALE_RECORDED_V1,
      {
        saleId: randomUUID(),
        stationId: h.station,
        customerId: duplicate,
        visitId: null,
        soldAt: lastMonth.toISOString(),
        currency: 'EUR',
        totalMinor: 4900,
      },
      tenantId,
      lastMonth,
    );
    await eventuallyPasses(async () => {
      expect((await activityOf(end))?.toISOString()).toBe(lastMonth.toISOString());
    });
    expect((await activityOf(survivor))?.toISOString()).toBe(lastYear.toISOString());
    expect((await activityOf(duplicate))!.getTime()).toBeLessThan(yearsAgo(7).getTime());
  });

  describe('retry', () => {
    const retry = (context: CallerContext, id: string, options: { key?: string } = {}) =>
      merges().retry(context, id, commandFor(PRIVACY.retryMerge, context, { id }, options));
    const requests = async (type: string, id: string) =>
      (await outboxOf(type, 'mergeId', id)).map((r) => r.envelope.payload);

    it('asks again only the participants that have not answered the merge, once per command, and then lets the erasure through', async () => {
      const survivor = await h.knownCustomer();
      const duplicate = await h.knownCustomer();
      const m = await merge(admin, survivor.customerId, duplicate.customerId);
      await answer(m, 'customers');
      await answer(m, 'consents');
      await answer(m, 'reporting');
      await eventuallyPasses(async () => {
        const pending = (await merges().get(admin, m.id)).confirmations.filter(
          (c) => c.status === 'pending',
        );
        expect(pending.map((c) => c.service)).toEqual(['vehicles']);
      });
      // Stuck: the survivor cannot be erased while the merge is pending.
      expectConflict(await problemOf(erase(admin, survivor)), 'merge-in-progress');

      const retried = await retry(admin, m.id, { key: 'retry-1' });
      expect(retried.status).toBe('pending');
      const again = await retry(admin, m.id, { key: 'retry-1' });
      expect(again.id).toBe(m.id);
      const asked = await requests(MERGE_REQUESTED_V1, m.id);
      expect(asked).toHaveLength(2);
      expect(asked[0].participants).toBeUndefined();
      expect(asked[1]).toEqual({
        mergeId: m.id,
        survivorId: survivor.customerId,
        duplicateId: duplicate.customerId,
        requestedAt: m.requestedAt,
        participants: ['vehicles'],
      });

      await answer(m, 'vehicles');
      // A late second answer of one that confirmed already changes nothing.
      await answer(m, 'customers', { counts: { rows: 99 } });
      await statusIs(m.id, 'completed');
      const completed = await merges().get(admin, m.id);
      expect(completed.confirmations.find((c) => c.service === 'customers')?.counts).toEqual({
        rows: 1,
      });
      expectConflict(await problemOf(retry(admin, m.id)), 'merge-completed');
      expect(await requests(MERGE_REQUESTED_V1, m.id)).toHaveLength(2);
      expect((await erase(admin, survivor)).status).toBe('pending');
    });

    it('asks again only the participants that have not answered the undo, and refuses (409) once it is undone', async () => {
      const m = await completedMerge(
        (await h.knownCustomer()).customerId,
        (await h.knownCustomer()).customerId,
      );
      const undoing = await undo(admin, m.id);
      await answer(m, 'customers', { undone: true });
      await answer(m, 'reporting', { undone: true });
      await eventuallyPasses(async () => {
        const pending = (await merges().get(admin, m.id)).undo?.confirmations.filter(
          (c) => c.status === 'pending',
        );
        expect(pending?.map((c) => c.service)).toEqual(['consents', 'vehicles']);
      });

      expect((await retry(admin, m.id)).status).toBe('undoing');
      const asked = await requests(MERGE_UNDO_REQUESTED_V1, m.id);
      expect(asked).toHaveLength(2);
      expect(asked[1]).toEqual({
        mergeId: m.id,
        survivorId: m.survivorId,
        duplicateId: m.duplicateId,
        requestedAt: undoing.undo?.requestedAt,
        participants: ['consents', 'vehicles'],
      });
      // The merge phase is done: it is not asked again.
      expect(await requests(MERGE_REQUESTED_V1, m.id)).toHaveLength(1);

      await answer(m, 'consents', { undone: true });
      await answer(m, 'vehicles', { undone: true });
      await statusIs(m.id, 'undone');
      expectConflict(await problemOf(retry(admin, m.id)), 'merge-undone');
      expect(await requests(MERGE_UNDO_REQUESTED_V1, m.id)).toHaveLength(2);
    });

    it("answers an unknown merge, another tenant's and a malformed id as not found", async () => {
      const m = await merge(
        admin,
        (await h.knownCustomer()).customerId,
        (await h.knownCustomer()).customerId,
      );
      expect((await problemOf(retry(otherTenant, m.id))).status).toBe(404);
      expect((await problemOf(retry(admin, randomUUID()))).status).toBe(404);
      expect((await problemOf(retry(admin, 'not-an-id'))).status).toBe(404);
      expect(await outboxOf(MERGE_REQUESTED_V1, 'mergeId', m.id)).toHaveLength(1);
    });
  });

  describe('undo', () => {
    it('undoes a completed merge: the duplicate is its own again at once, the undo is announced and logged, and it is undone when every participant has answered', async () => {
      const survivor = await h.knownCustomer();
      const duplicate = await h.knownCustomer();
      const m = await completedMerge(survivor.customerId, duplicate.customerId);
      const undoing = await undo(admin, m.id);
      expect(undoing).toMatchObject({
        status: 'undoing',
        undo: { requestedBy: admin.userId, completedAt: null },
      });
      expect(undoing.undo?.confirmations.map((c) => c.status)).toEqual(
        MERGE_PARTICIPANTS.map(() => 'pending'),
      );
      expect(
        (await outboxOf(MERGE_UNDO_REQUESTED_V1, 'mergeId', m.id)).map((r) => r.envelope.payload),
      ).toEqual([
        {
          mergeId: m.id,
          survivorId: survivor.customerId,
          duplicateId: duplicate.customerId,
          requestedAt: undoing.undo?.requestedAt,
        },
      ]);
      expect(await knownRow(duplicate.customerId)).toEqual({ status: 'active', merged_into: null });
      const log = await h.dataSource.query<{ action: string }[]>(
        'SELECT action FROM privacy.access_log WHERE $1 = ANY(customer_ids)',
        [duplicate.customerId],
      );
      expect(log.map((e) => e.action)).toEqual(['merge', 'merge']);
      expectConflict(await problemOf(undo(admin, m.id)), 'undo-in-progress');
      // While it is undone, neither customer is merged or erased.
      const third = await h.knownCustomer();
      expectConflict(
        await problemOf(merge(admin, third.customerId, duplicate.customerId)),
        'merge-in-progress',
      );
      expectConflict(await problemOf(erase(admin, survivor)), 'merge-in-progress');

      for (const participant of MERGE_PARTICIPANTS) {
        await answer(m, participant, { undone: true, counts: { moved: 2 } });
      }
      await statusIs(m.id, 'undone');
      const undone = await merges().get(admin, m.id);
      expect(undone.undo?.completedAt).not.toBeNull();
      expect(undone.undo?.confirmations.every((c) => c.counts.moved === 2)).toBe(true);
      // The merge's own confirmations stay as they were.
      expect(undone.confirmations.every((c) => c.counts.rows === 1)).toBe(true);
      expectConflict(await problemOf(undo(admin, m.id)), 'merge-undone');
      // The two are customers of their own again: either can be merged or erased.
      await merge(admin, third.customerId, duplicate.customerId);
    });

    it('runs an undo once: the same command again answers the same undo', async () => {
      const m = await completedMerge(
        (await h.knownCustomer()).customerId,
        (await h.knownCustomer()).customerId,
      );
      const first = await undo(admin, m.id, { key: 'undo-1' });
      const again = await undo(admin, m.id, { key: 'undo-1' });
      expect(again.undo?.requestedAt).toBe(first.undo?.requestedAt);
      expect(await outboxOf(MERGE_UNDO_REQUESTED_V1, 'mergeId', m.id)).toHaveLength(1);
    });

    it('refuses (409) to undo a pending merge, and one older than 30 days', async () => {
      const pending = await merge(
        admin,
        (await h.knownCustomer()).customerId,
        (await h.knownCustomer()).customerId,
      );
      expectConflict(await problemOf(undo(admin, pending.id)), 'merge-pending');

      const old = await completedMerge(
        (await h.knownCustomer()).customerId,
        (await h.knownCustomer()).customerId,
      );
      await h.dataSource.query(
        `UPDATE privacy.merges SET requested_at = now() - interval '30 days 1 minute'
          WHERE id = $1`,
        [old.id],
      );
      expectConflict(await problemOf(undo(admin, old.id)), 'undo-window-closed');
      await h.dataSource.query(
        `UPDATE privacy.merges SET requested_at = now() - interval '29 days 23 hours'
          WHERE id = $1`,
        [old.id],
      );
      expect((await undo(admin, old.id)).status).toBe('undoing');
      expect((await knownRow(old.duplicateId)).merged_into).toBeNull();
    });

    it('refuses (409) to undo when the survivor was erased since, or merged into another customer since (undo that one first)', async () => {
      const a = await h.knownCustomer();
      const b = await h.knownCustomer();
      const c = await h.knownCustomer();
      const aIntoB = await completedMerge(b.customerId, a.customerId);
      const bIntoC = await completedMerge(c.customerId, b.customerId);
      const later = await problemOf(undo(admin, aIntoB.id));
      expectConflict(later, 'customer-merged');
      expect(later.detail).toContain(bIntoC.id);
      expect(later).toMatchObject({ survivorId: c.customerId });
      expect((await knownRow(a.customerId)).merged_into).toBe(b.customerId);

      const erasure = await erase(admin, c);
      for (const m of [bIntoC, aIntoB]) {
        const erased = await problemOf(undo(admin, m.id));
        expectConflict(erased, 'customer-erased');
      }
      expect(await outboxOf(MERGE_UNDO_REQUESTED_V1, 'mergeId', bIntoC.id)).toEqual([]);
      const [request] = await outboxOf(ERASURE_REQUESTED_V1, 'erasureId', erasure.id);
      expect(request.envelope.payload.mergedCustomerIds).toEqual(
        [a.customerId, b.customerId].sort(),
      );
    });
  });

  describe('a merge and an erasure of the same customer at once', () => {
    it('end with one winner, whichever comes first, and nothing half-done', async () => {
      for (let round = 0; round < 6; round += 1) {
        const survivor = await h.knownCustomer();
        const duplicate = await h.knownCustomer();
        // The erasure of the duplicate, or (odd rounds) of the survivor.
        const target = round % 2 === 0 ? duplicate : survivor;
        const [merged, erased] = await Promise.allSettled([
          merge(admin, survivor.customerId, duplicate.customerId),
          erase(admin, target),
        ]);
        expect([merged, erased].filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const loser = (merged.status === 'rejected' ? merged : erased) as PromiseRejectedResult;
        expect(loser.reason).toBeInstanceOf(RpcProblem);
        const problem = (loser.reason as RpcProblem).problem;
        const erasures = await h.dataSource.query<unknown[]>(
          'SELECT 1 FROM privacy.erasures WHERE customer_id = $1',
          [target.customerId],
        );
        if (merged.status === 'fulfilled') {
          expectConflict(problem, target === duplicate ? 'customer-merged' : 'merge-in-progress');
          expect(erasures).toEqual([]);
        } else {
          expectConflict(problem, 'customer-erased');
          expect(await mergesOf(duplicate.customerId)).toEqual([]);
          expect((await knownRow(duplicate.customerId)).merged_into).toBeNull();
          expect(erasures).toHaveLength(1);
        }
      }
    });
  });
});
