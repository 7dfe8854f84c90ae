import {
  DELETION_CANCELLED_V1,
  DELETION_REQUESTED_V1,
  ERASURE_REQUESTED_V1,
  PRIVACY,
  type CallerContext,
  type CustomerRef,
  type RequestDeletionCommand,
} from '@kanta/contracts';
import { commandFor, deleteRedisKeys, eventuallyPasses, problemOf } from '@kanta/testing';
import { DeletionJobs } from '../src/deletions/deletion-jobs';
import { DeletionRequests } from '../src/deletions/deletion-requests.service';
import { DeletionSweep } from '../src/deletions/deletion-sweep';
import { DueDeletions } from '../src/deletions/due-deletions';
import { Erasures } from '../src/erasures/erasures.service';
import { startPrivacy, type PrivacyHarness } from './privacy-harness';

/*
 * Deletion requests: recorded, listed, cancelled, and erased when due — by their BullMQ job, or
 * by the sweep when the job was lost (Redis flushed) or the service restarted; never twice.
 */
describe('privacy service: deletion requests (real Postgres, RabbitMQ and Redis)', () => {
  let h: PrivacyHarness;

  beforeAll(async () => {
    // A sweep slow enough not to run during a test unless the test runs it.
    h = await startPrivacy('deletions', { deletionSweepIntervalMs: 3_600_000 });
  });

  afterAll(async () => {
    await h?.close();
  });

  const request = (
    context: CallerContext,
    customerId: string,
    graceDays = 30,
    options: { key?: string } = {},
  ) => {
    const data: RequestDeletionCommand = { customerId, request: { channel: 'phone' }, graceDays };
    return h.app
      .get(DeletionRequests)
      .request(context, data, commandFor(PRIVACY.requestDeletion, context, data, options));
  };
  const cancel = (context: CallerContext, customerId: string) => {
    const data: CustomerRef = { customerId };
    return h.app
      .get(DeletionRequests)
      .cancel(context, data, commandFor(PRIVACY.cancelDeletion, context, data));
  };
  const outboxOf = (type: string, customerId: string) =>
    h.dataSource.query<{ envelope: { payload: Record<string, unknown> } }[]>(
      `SELECT envelope FROM privacy.outbox
        WHERE type = $1 AND envelope->'payload'->>'customerId' = $2 ORDER BY id`,
      [type, customerId],
    );
  const erasuresOf = (customerId: string) =>
    h.dataSource.query<
      { id: string; reason: string; requested_by: string; correlation_id: string | null }[]
    >(
      'SELECT id, reason, requested_by, correlation_id FROM privacy.erasures WHERE customer_id = $1',
      [customerId],
    );
  /** Makes a pending request due now, as if its grace period had passed. */
  const makeDue = (requestId: string) =>
    h.dataSource.query(
      `UPDATE privacy.deletion_requests SET due_at = now() - interval '1 second' WHERE id = $1`,
      [requestId],
    );

  it('records who asked, how and when, due after the grace period, announced with ids and dates, with its job', async () => {
    const { customerId } = await h.knownCustomer();
    const made = await request(h.admin, customerId, 30);
    expect(made).toMatchObject({
      customerId,
      status: 'pending',
      channel: 'phone',
      requestedBy: h.admin.userId,
      cancelledAt: null,
      erasureId: null,
    });
    const days = (Date.parse(made.dueAt) - Date.parse(made.requestedAt)) / 86_400_000;
    expect(days).toBe(30);
    const [announced] = await outboxOf(DELETION_REQUESTED_V1, customerId);
    expect(announced.envelope.payload).toEqual({
      requestId: made.id,
      customerId,
      requestedAt: made.requestedAt,
      dueAt: made.dueAt,
    });
    const job = await h.app.get(DeletionJobs).queue.getJob(made.id);
    expect(job?.data).toEqual({ tenantId: h.tenantId, requestId: made.id });
    expect(await job?.getState()).toBe('delayed');
  });

  it('lets a worker record one for a customer of their stations only, and refuses a second one pending (409)', async () => {
    const ofOtherStation = await h.knownCustomer([h.station]);
    expect((await problemOf(request(h.worker, ofOtherStation.customerId))).status).toBe(404);
    const ofTheirs = await h.knownCustomer(h.worker.stationIds);
    const made = await request(h.worker, ofTheirs.customerId);
    expect(made.requestedBy).toBe(h.worker.userId);
    const again = await problemOf(request(h.admin, ofTheirs.customerId));
    expect(again.status).toBe(409);
    expect(again.type).toContain('deletion-requested');
    expect(again.detail).toContain(made.id);
    expect((await problemOf(request(h.otherTenant, ofTheirs.customerId))).status).toBe(404);
  });

  it('cancels a pending request (announced), and refuses to cancel it again, one done, or none', async () => {
    const { customerId } = await h.knownCustomer();
    const made = await request(h.admin, customerId);
    const cancelled = await cancel(h.admin, customerId);
    expect(cancelled).toMatchObject({
      id: made.id,
      status: 'cancelled',
      cancelledBy: h.admin.userId,
    });
    expect(await outboxOf(DELETION_CANCELLED_V1, customerId)).toHaveLength(1);
    const twice = await problemOf(cancel(h.admin, customerId));
    expect(twice.status).toBe(409);
    expect(twice.type).toContain('deletion-request-cancelled');
    // Its job finds it cancelled: nothing is erased.
    await makeDue(made.id);
    expect(await h.app.get(DueDeletions).run(h.tenantId, made.id)).toBe('nothing-to-do');
    expect(await erasuresOf(customerId)).toEqual([]);

    const none = await h.knownCustomer();
    expect((await problemOf(cancel(h.admin, none.customerId))).status).toBe(404);
    expect((await problemOf(cancel(h.admin, 'not-an-id'))).status).toBe(404);

    const done = await h.knownCustomer();
    const due = await request(h.admin, done.customerId);
    await makeDue(due.id);
    expect(await h.app.get(DueDeletions).run(h.tenantId, due.id)).toBe('erased');
    const late = await problemOf(cancel(h.admin, done.customerId));
    expect(late.status).toBe(409);
    expect(late.type).toContain('deletion-request-done');
  });

  it('erases the customer when the grace period ends, by its job, through the erasure saga', async () => {
    const { customerId } = await h.knownCustomer();
    const made = await request(h.admin, customerId, 0);
    await eventuallyPasses(
      async () => {
        const [erasure] = await erasuresOf(customerId);
        // The request's correlation id goes on with its erasure.
        expect(erasure).toMatchObject({
          reason: 'deletion_request',
          requested_by: h.admin.userId,
          correlation_id: h.admin.correlationId,
        });
        const listed = await h.app
          .get(DeletionRequests)
          .list(h.admin, { status: 'done', limit: 100 });
        expect(listed.items.find((r) => r.id === made.id)?.erasureId).toBe(erasure.id);
      },
      { timeoutMs: 10_000 },
    );
    expect(await outboxOf(ERASURE_REQUESTED_V1, customerId)).toHaveLength(1);
    // Recorded again for an erased customer: refused.
    expect((await problemOf(request(h.admin, customerId))).status).toBe(409);
  });

  it('erases a due request whose job Redis lost, at the sweep, and makes the jobs of pending ones again at a restart', async () => {
    const due = await h.knownCustomer();
    const later = await h.knownCustomer();
    const dueRequest = await request(h.admin, due.customerId, 30);
    const laterRequest = await request(h.admin, later.customerId, 30);
    await makeDue(dueRequest.id);
    // Redis loses every job of the service.
    await deleteRedisKeys(`${h.jobsPrefix}:`);
    expect(await h.app.get(DeletionJobs).queue.getJob(laterRequest.id)).toBeUndefined();

    await h.restart();
    // The sweep at start erased the due one; the pending one has its job again.
    await eventuallyPasses(async () => {
      expect(await erasuresOf(due.customerId)).toHaveLength(1);
      const job = await h.app.get(DeletionJobs).queue.getJob(laterRequest.id);
      expect(await job?.getState()).toBe('delayed');
    });
    expect(await erasuresOf(later.customerId)).toEqual([]);
  });

  it('never erases twice: the job and two sweeps at once make one erasure', async () => {
    const { customerId } = await h.knownCustomer();
    const made = await request(h.admin, customerId, 30);
    await makeDue(made.id);
    const due = h.app.get(DueDeletions);
    await Promise.all([
      due.run(h.tenantId, made.id),
      due.sweep(),
      h.app.get(DeletionSweep).sweep.runOnce(),
    ]);
    expect(await erasuresOf(customerId)).toHaveLength(1);
    expect(await outboxOf(ERASURE_REQUESTED_V1, customerId)).toHaveLength(1);
  });

  it('leaves a request not yet due to a later try of its job, and one whose customer an erasure took to that erasure', async () => {
    const early = await h.knownCustomer();
    const notDue = await request(h.admin, early.customerId, 30);
    expect(await h.app.get(DueDeletions).run(h.tenantId, notDue.id)).toBe('not-due');
    expect(await erasuresOf(early.customerId)).toEqual([]);

    // An erasure that began while the request was being recorded (the two raced): the request,
    // when due, is done with that erasure instead of a second one.
    const raced = await h.knownCustomer();
    const pending = await request(h.admin, raced.customerId, 30);
    const erasureId = await h.dataSource.transaction(async (manager) => {
      const id = await h.app.get(Erasures).begin(manager, {
        tenantId: h.tenantId,
        customerId: raced.customerId,
        reason: 'customer_request',
        requestedBy: h.admin.userId,
        correlationId: null,
      });
      // As if recorded after it, in the race: pending again.
      await manager.query(
        `UPDATE privacy.deletion_requests SET status = 'pending', erasure_id = NULL WHERE id = $1`,
        [pending.id],
      );
      return id;
    });
    await makeDue(pending.id);
    expect(await h.app.get(DueDeletions).run(h.tenantId, pending.id)).toBe('erased');
    expect((await erasuresOf(raced.customerId)).map((e) => e.id)).toEqual([erasureId]);
    const done = await h.app.get(DeletionRequests).list(h.admin, { status: 'done', limit: 100 });
    expect(done.items.find((r) => r.id === pending.id)?.erasureId).toBe(erasureId);
  });

  it("is done by an admin's erasure of the customer meanwhile", async () => {
    const { customerId, customerNumber } = await h.knownCustomer();
    const made = await request(h.admin, customerId, 30);
    const data = {
      customerId,
      erase: { reason: 'customer_request' as const, confirmCustomerNumber: customerNumber },
    };
    const erasure = await h.app
      .get(Erasures)
      .request(h.admin, data, commandFor(PRIVACY.erase, h.admin, data));
    const listed = await h.app.get(DeletionRequests).list(h.admin, { status: 'done', limit: 100 });
    expect(listed.items.find((r) => r.id === made.id)?.erasureId).toBe(erasure.id);
  });

  it('lists by status, newest first, a page at a time; a cursor not ours is a 422 on cursor', async () => {
    const made = [];
    for (let i = 0; i < 3; i++) {
      made.push(await request(h.admin, (await h.knownCustomer()).customerId));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.app
        .get(DeletionRequests)
        .list(h.admin, { status: 'pending', limit: 2, cursor });
      expect(page.items.every((r) => r.status === 'pending')).toBe(true);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...seen].sort().reverse());
    expect(seen).toEqual(expect.arrayContaining(made.map((r) => r.id)));
    const bad = await problemOf(
      h.app.get(DeletionRequests).list(h.admin, { cursor: 'bm90LW91cnM' }),
    );
    expect(bad.status).toBe(422);
    expect(bad.errors?.[0].field).toBe('cursor');
    expect((await h.app.get(DeletionRequests).list(h.otherTenant, {})).items).toEqual([]);
  });
});
