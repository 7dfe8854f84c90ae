import {
  CUSTOMERS,
  type CallerContext,
  type CustomerView,
  type ReminderView,
} from '@kanta/contracts';
import { commandFor } from '@kanta/testing';
import { DueReminders } from '../src/reminders/due-reminders';
import { RemindersService } from '../src/reminders/reminders.service';
import { ReminderDueProcessor, ReminderNotYetDue } from '../src/reminders/reminder-due.processor';
import { ReminderJobs, reminderJobId, type ReminderDueJob } from '../src/reminders/reminder-jobs';
import type { Job, Queue } from 'bullmq';
import { assigneeOf, dueEvents, inMs, storedReminder, waitFor } from './reminder-support';
import {
  deleteJobKeys,
  problemOf,
  remindersOf,
  startCustomers,
  superadmin,
  tenantFixture,
  type CustomersHarness,
  type TenantFixture,
} from './support';

jest.setTimeout(30_000);

describe('reminders (real Postgres and Redis)', () => {
  let h: CustomersHarness;
  let reminders: ReturnType<typeof remindersOf>;
  let queue: Queue<ReminderDueJob>;
  let t: TenantFixture;
  /** At station A, which the worker works at. */
  let customerA: CustomerView;
  /** At station B only: the worker cannot see it. */
  let customerB: CustomerView;

  beforeAll(async () => {
    // The sweep runs only at start here: whatever becomes due in these tests, a job did it.
    h = await startCustomers('reminders');
    reminders = remindersOf(h.app);
    queue = h.app.get(ReminderJobs).queue;
    t = tenantFixture('FI', 'Europe/Helsinki');
    customerA = (await h.customers.create(t.admin, { firstName: 'Aino', lastName: 'Asiakas' }))
      .customer;
    customerB = (
      await h.customers.create(t.admin, {
        firstName: 'Bertta',
        lastName: 'Asiakas',
        stationIds: [t.stationB],
      })
    ).customer;
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = (
    caller: CallerContext,
    customerId: string,
    dueAt: string,
    comment = 'Call about the maintenance',
    assignee = assigneeOf(caller),
  ): Promise<ReminderView> =>
    reminders.create(caller, { customerId, reminder: { dueAt, comment }, assignee });

  const jobOf = (reminder: { id: string; dueAt: string }) =>
    queue.getJob(reminderJobId(reminder.id, new Date(reminder.dueAt)));

  describe('create', () => {
    it('stores the reminder in UTC, shows it in the tenant’s zone and puts its job on the queue', async () => {
      const reminder = await create(
        t.worker,
        customerA.id,
        '2027-12-01T09:00',
        '  Call about the maintenance ',
      );
      expect(reminder).toMatchObject({
        customerId: customerA.id,
        assigneeUserId: t.worker.userId,
        dueAt: '2027-12-01T07:00:00.000Z',
        dueAtLocal: '2027-12-01T09:00:00+02:00',
        timeZone: 'Europe/Helsinki',
        comment: 'Call about the maintenance',
        status: 'upcoming',
        createdBy: t.worker.userId,
        becameDueAt: null,
        doneAt: null,
        version: 1,
      });
      const job = await jobOf(reminder);
      expect(await job?.getState()).toBe('delayed');
      // The job holds ids and the time, never the comment.
      expect(job?.data).toEqual({
        tenantId: t.tenantId,
        reminderId: reminder.id,
        dueAt: '2027-12-01T07:00:00.000Z',
      });
    });

    it('reads a time typed without a zone across daylight-saving changes', async () => {
      // Helsinki, 28 March 2027: 03:30 does not exist and is moved to 04:30 (+03:00).
      const gap = await create(t.admin, customerA.id, '2027-03-28T03:30');
      expect([gap.dueAt, gap.dueAtLocal]).toEqual([
        '2027-03-28T01:30:00.000Z',
        '2027-03-28T04:30:00+03:00',
      ]);
      // Helsinki, 31 October 2027: 03:30 happens twice; the first one (+03:00) is meant.
      const twice = await create(t.admin, customerA.id, '2027-10-31T03:30');
      expect([twice.dueAt, twice.dueAtLocal]).toEqual([
        '2027-10-31T00:30:00.000Z',
        '2027-10-31T03:30:00+03:00',
      ]);
      const after = await create(t.admin, customerA.id, '2027-10-31T09:00');
      expect(after.dueAtLocal).toBe('2027-10-31T09:00:00+02:00');
      // A zone in the value wins over the tenant's.
      const zoned = await create(t.admin, customerA.id, '2027-07-01T09:00:00-04:00');
      expect([zoned.dueAt, zoned.dueAtLocal]).toEqual([
        '2027-07-01T13:00:00.000Z',
        '2027-07-01T16:00:00+03:00',
      ]);
    });

    it('uses the zone of the caller’s tenant', async () => {
      const ny = tenantFixture('US', 'America/New_York');
      const { customer } = await h.customers.create(ny.admin, { firstName: 'N', lastName: 'Y' });
      const reminder = await create(ny.admin, customer.id, '2027-03-14T02:30');
      // New York springs forward at 02:00: 02:30 is 03:30 EDT.
      expect([reminder.dueAt, reminder.dueAtLocal, reminder.timeZone]).toEqual([
        '2027-03-14T07:30:00.000Z',
        '2027-03-14T03:30:00-04:00',
        'America/New_York',
      ]);
    });

    it.each([
      ['more than 5 minutes in the past', () => inMs(-6 * 60_000), 'in_the_past'],
      ['more than 5 years ahead', () => inMs(6 * 366 * 24 * 3600_000), 'too_far_ahead'],
      ['a date that does not exist', () => '2027-02-30T09:00', 'invalid_format'],
    ])('refuses a dueAt %s with a 422 naming dueAt', async (_what, dueAt, reason) => {
      const problem = await problemOf(create(t.admin, customerA.id, dueAt()));
      expect(problem.status).toBe(422);
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'dueAt', reason })]);
    });

    it('accepts a dueAt a moment ago (within 5 minutes) and makes it due at once', async () => {
      const reminder = await create(t.admin, customerA.id, inMs(-2 * 60_000));
      expect(reminder.status).toBe('due');
      await waitFor(
        'the job',
        async () => (await storedReminder(h.dataSource, reminder.id))?.status === 'due',
      );
    });

    it('refuses an assignee who could not see the customer', async () => {
      const other: CallerContext = {
        ...t.worker,
        userId: '0190a000-0000-7000-8000-0000000000b1',
        stationIds: [t.stationB],
      };
      const problem = await problemOf(
        create(t.admin, customerA.id, inMs(3600_000), 'x', assigneeOf(other)),
      );
      expect(problem.status).toBe(422);
      expect(problem.errors).toEqual([
        expect.objectContaining({ field: 'assigneeUserId', reason: 'cannot_see_customer' }),
      ]);
      // An admin (no station limit) may be given any customer's reminder.
      await expect(
        create(t.worker, customerA.id, inMs(3600_000), 'x', assigneeOf(t.admin)),
      ).resolves.toBeDefined();
    });
  });

  describe('falling due', () => {
    it('becomes due when its delayed job runs, and writes customers.reminder.due.v1 without the comment', async () => {
      const reminder = await create(
        t.worker,
        customerA.id,
        inMs(1500),
        'Secret comment about Aino',
      );
      expect(await (await jobOf(reminder))?.getState()).toBe('delayed');
      const stored = await waitFor('the job', async () => {
        const row = await storedReminder(h.dataSource, reminder.id);
        return row?.status === 'due' ? row : null;
      });
      expect(stored.became_due_at!.getTime()).toBeGreaterThanOrEqual(
        new Date(reminder.dueAt).getTime(),
      );
      const events = await dueEvents(h.dataSource, reminder.id);
      expect(events).toHaveLength(1);
      expect(events[0].envelope).toMatchObject({ tenantId: t.tenantId, producer: 'customers' });
      expect(events[0].envelope.payload).toEqual({
        reminderId: reminder.id,
        customerId: customerA.id,
        assigneeUserId: t.worker.userId,
        dueAt: reminder.dueAt,
      });
      expect(JSON.stringify(events[0])).not.toContain('Secret');
      const view = await reminders.get(t.worker, reminder.id);
      expect(view).toMatchObject({
        status: 'due',
        version: 2,
        becameDueAt: stored.became_due_at!.toISOString(),
      });
    });

    it('still becomes due when Redis lost its job: the sweep at the next start finds it', async () => {
      const reminder = await create(t.admin, customerA.id, inMs(1000));
      // Redis flushed (this test's prefix only: the Redis is shared) before the reminder's time.
      expect(await deleteJobKeys(h.jobsPrefix)).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect((await storedReminder(h.dataSource, reminder.id))?.status).toBe('scheduled');
      expect(await dueEvents(h.dataSource, reminder.id)).toHaveLength(0);
      // Its time has come, so the API already shows it as due.
      expect((await reminders.get(t.admin, reminder.id)).status).toBe('due');

      // A second instance starts (a restart, or another replica): its sweep at start makes it due.
      const restarted = await startCustomers('reminders2', { db: h.db });
      try {
        await waitFor(
          'the sweep at start',
          async () => (await storedReminder(h.dataSource, reminder.id))?.status === 'due',
        );
      } finally {
        await restarted.close({ keepDatabase: true });
      }
      expect(await dueEvents(h.dataSource, reminder.id)).toHaveLength(1);
    });

    it('makes each reminder due once, with one event, however many sweeps and jobs race for it', async () => {
      const batch = await Promise.all(
        Array.from({ length: 12 }, () => create(t.admin, customerA.id, inMs(-1000))),
      );
      const due = h.app.get(DueReminders);
      await Promise.all([
        due.sweep(5),
        due.sweep(5),
        ...batch.map((r) => due.makeDue(t.tenantId, r.id, new Date(r.dueAt))),
      ]);
      for (const reminder of batch) {
        expect((await storedReminder(h.dataSource, reminder.id))?.status).toBe('due');
        expect(await dueEvents(h.dataSource, reminder.id)).toHaveLength(1);
      }
    });

    it('retries a job that runs before its reminder’s time, and ignores one for another time', async () => {
      const reminder = await create(t.admin, customerA.id, inMs(3600_000));
      const processor = h.app.get(ReminderDueProcessor);
      const job = (dueAt: string) =>
        ({ data: { tenantId: t.tenantId, reminderId: reminder.id, dueAt } }) as Job<ReminderDueJob>;
      await expect(processor.process(job(reminder.dueAt))).rejects.toBeInstanceOf(
        ReminderNotYetDue,
      );
      await expect(processor.process(job(inMs(-1000)))).resolves.toBe('nothing-to-do');
      expect((await storedReminder(h.dataSource, reminder.id))?.status).toBe('scheduled');
    });
  });

  describe('reschedule, done and delete', () => {
    it('reschedules: the old job runs and does nothing, a new job waits for the new time', async () => {
      const reminder = await create(t.worker, customerA.id, inMs(1500));
      const oldJob = await jobOf(reminder);
      expect(oldJob).toBeDefined();
      const moved = await reminders.update(t.worker, {
        id: reminder.id,
        patch: { dueAt: '2027-06-01T12:00' },
      });
      expect(moved).toMatchObject({
        dueAt: '2027-06-01T09:00:00.000Z',
        dueAtLocal: '2027-06-01T12:00:00+03:00',
        status: 'upcoming',
        version: 2,
      });
      // The old job comes up, finds nothing to do and is removed.
      await waitFor('the old job', async () => (await jobOf(reminder)) === undefined);
      expect((await storedReminder(h.dataSource, reminder.id))?.status).toBe('scheduled');
      expect(await dueEvents(h.dataSource, reminder.id)).toHaveLength(0);
      expect(await (await jobOf(moved))?.getState()).toBe('delayed');
    });

    it('reschedules a due reminder back to upcoming', async () => {
      const reminder = await create(t.admin, customerA.id, inMs(-1000));
      await waitFor(
        'the job',
        async () => (await storedReminder(h.dataSource, reminder.id))?.status === 'due',
      );
      const moved = await reminders.update(t.admin, {
        id: reminder.id,
        patch: { dueAt: inMs(3600_000) },
      });
      expect(moved).toMatchObject({ status: 'upcoming', becameDueAt: null });
    });

    it('marks done (its job then does nothing), keeps the first doneAt, and opens again', async () => {
      const reminder = await create(t.worker, customerA.id, inMs(1000));
      const done = await reminders.update(t.worker, { id: reminder.id, patch: { done: true } });
      expect(done.status).toBe('done');
      expect(done.doneAt).not.toBeNull();
      await waitFor('the job', async () => (await jobOf(reminder)) === undefined);
      expect((await storedReminder(h.dataSource, reminder.id))?.status).toBe('done');
      expect(await dueEvents(h.dataSource, reminder.id)).toHaveLength(0);

      const again = await reminders.update(t.worker, { id: reminder.id, patch: { done: true } });
      expect(again).toMatchObject({ doneAt: done.doneAt, version: done.version });

      const reopened = await reminders.update(t.worker, {
        id: reminder.id,
        patch: { done: false },
      });
      expect(reopened).toMatchObject({ status: 'due', doneAt: null });
      await waitFor(
        'the new job',
        async () => (await storedReminder(h.dataSource, reminder.id))?.status === 'due',
      );
      expect(await dueEvents(h.dataSource, reminder.id)).toHaveLength(1);
    });

    it('changes the comment and the assignee, and checks If-Match when given', async () => {
      const reminder = await create(t.admin, customerA.id, inMs(3600_000));
      const edited = await reminders.update(t.admin, {
        id: reminder.id,
        expectedVersion: 1,
        patch: { comment: ' Order the part ' },
        assignee: assigneeOf(t.worker),
      });
      expect(edited).toMatchObject({
        comment: 'Order the part',
        assigneeUserId: t.worker.userId,
        version: 2,
      });
      const stale = await problemOf(
        reminders.update(t.admin, { id: reminder.id, expectedVersion: 1, patch: { comment: 'x' } }),
      );
      expect(stale.status).toBe(412);
      const unchanged = await reminders.update(t.admin, {
        id: reminder.id,
        patch: { comment: 'Order the part' },
      });
      expect(unchanged.version).toBe(2);
      const empty = await problemOf(reminders.update(t.admin, { id: reminder.id, patch: {} }));
      expect(empty.status).toBe(422);
      expect(empty.errors).toEqual([expect.objectContaining({ reason: 'empty_patch' })]);
      const past = await problemOf(
        reminders.update(t.admin, { id: reminder.id, patch: { dueAt: '2020-01-01T00:00Z' } }),
      );
      expect(past.errors).toEqual([
        expect.objectContaining({ field: 'dueAt', reason: 'in_the_past' }),
      ]);
    });

    it("answers whose reminder a delete took (for the gateway's access record), a repeat of the same command alike", async () => {
      const reminder = await create(t.worker, customerA.id, inMs(60_000));
      const command = commandFor(CUSTOMERS.deleteReminder, t.worker, { id: reminder.id });
      const service = h.app.get(RemindersService);
      const deleted = { customerId: customerA.id };
      expect(await service.delete(t.worker, reminder.id, command)).toEqual(deleted);
      expect(await service.delete(t.worker, reminder.id, command)).toEqual(deleted);
    });

    it('deletes: the reminder is gone, its job does nothing, a second delete is a 404', async () => {
      const reminder = await create(t.worker, customerA.id, inMs(1000));
      await reminders.delete(t.worker, reminder.id);
      expect((await problemOf(reminders.get(t.worker, reminder.id))).status).toBe(404);
      await waitFor('the job', async () => (await jobOf(reminder)) === undefined);
      expect(await dueEvents(h.dataSource, reminder.id)).toHaveLength(0);
      expect((await problemOf(reminders.delete(t.worker, reminder.id))).status).toBe(404);
    });
  });

  describe('lists', () => {
    let lt: TenantFixture;
    let customer: CustomerView;
    let past: ReminderView;
    let soon: ReminderView;
    let later: ReminderView;
    let closed: ReminderView;
    let others: ReminderView;

    beforeAll(async () => {
      lt = tenantFixture('FI');
      customer = (await h.customers.create(lt.admin, { firstName: 'List', lastName: 'Person' }))
        .customer;
      later = await create(lt.worker, customer.id, '2027-09-01T09:00');
      soon = await create(lt.worker, customer.id, '2027-08-01T09:00');
      past = await create(lt.worker, customer.id, inMs(-60_000));
      closed = await create(lt.worker, customer.id, '2027-07-01T09:00');
      closed = await reminders.update(lt.worker, { id: closed.id, patch: { done: true } });
      others = await create(lt.admin, customer.id, '2027-08-15T09:00');
    });

    const ids = (page: { items: ReminderView[] }) => page.items.map((r) => r.id);

    it('lists one assignee’s reminders by status, due first, each in due-time order', async () => {
      const mine = { assigneeUserId: lt.worker.userId };
      expect(ids(await reminders.list(lt.worker, mine))).toEqual([
        past.id,
        closed.id,
        soon.id,
        later.id,
      ]);
      // `past` is due whether or not its job has run yet.
      expect(ids(await reminders.list(lt.worker, { ...mine, status: 'due' }))).toEqual([past.id]);
      expect(ids(await reminders.list(lt.worker, { ...mine, status: 'upcoming' }))).toEqual([
        soon.id,
        later.id,
      ]);
      expect(ids(await reminders.list(lt.worker, { ...mine, status: 'done' }))).toEqual([
        closed.id,
      ]);
      expect(
        ids(await reminders.list(lt.admin, { customerId: customer.id, status: 'upcoming' })),
      ).toEqual([soon.id, others.id, later.id]);
    });

    it('pages with a cursor and refuses a cursor it did not issue', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await reminders.list(lt.admin, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([past.id, closed.id, soon.id, others.id, later.id]);
      const problem = await problemOf(reminders.list(lt.admin, { cursor: 'bm90LW1pbmU' }));
      expect(problem.errors).toEqual([
        expect.objectContaining({ field: 'cursor', reason: 'invalid_format' }),
      ]);
    });
  });

  describe('who sees what', () => {
    let onB: ReminderView;
    let onA: ReminderView;

    beforeAll(async () => {
      onB = await create(t.admin, customerB.id, inMs(3600_000));
      onA = await create(t.admin, customerA.id, inMs(3600_000));
    });

    it('hides reminders of customers outside a worker’s stations behind 404s', async () => {
      for (const action of [
        create(t.worker, customerB.id, inMs(3600_000)),
        reminders.get(t.worker, onB.id),
        reminders.update(t.worker, { id: onB.id, patch: { done: true } }),
        reminders.delete(t.worker, onB.id),
        reminders.list(t.worker, { customerId: customerB.id }),
      ]) {
        expect((await problemOf(action)).status).toBe(404);
      }
      const all = await reminders.list(t.worker, { limit: 100 });
      expect(all.items.map((r) => r.customerId)).not.toContain(customerB.id);
      expect(all.items.map((r) => r.id)).toContain(onA.id);
      // The admin sees both.
      expect((await reminders.get(t.admin, onB.id)).id).toBe(onB.id);
      // A worker edits reminders of customers at their station, whoever wrote them.
      await expect(
        reminders.update(t.worker, { id: onA.id, patch: { comment: 'seen' } }),
      ).resolves.toMatchObject({
        comment: 'seen',
      });
    });

    it('never lets another tenant see or touch a reminder, nor probe a customer', async () => {
      const other = tenantFixture('FI');
      for (const caller of [other.admin, other.worker]) {
        for (const action of [
          create(caller, customerA.id, inMs(3600_000)),
          reminders.get(caller, onA.id),
          reminders.update(caller, { id: onA.id, patch: { done: true } }),
          reminders.delete(caller, onA.id),
          reminders.list(caller, { customerId: customerA.id }),
        ]) {
          expect((await problemOf(action)).status).toBe(404);
        }
        expect((await reminders.list(caller, { assigneeUserId: t.admin.userId })).items).toEqual(
          [],
        );
      }
      expect((await reminders.get(t.admin, onA.id)).status).toBe('upcoming');
    });

    it('answers 403 to a caller outside any tenant, and 404 to ids that are not UUIDs', async () => {
      // One at a time: a call made while another is awaited would reject unheard.
      for (const action of [
        () => create(superadmin, customerA.id, inMs(3600_000)),
        () => reminders.get(superadmin, onA.id),
        () => reminders.list(superadmin, {}),
        () => reminders.update(superadmin, { id: onA.id, patch: { done: true } }),
        () => reminders.delete(superadmin, onA.id),
      ]) {
        expect((await problemOf(action())).status).toBe(403);
      }
      for (const action of [
        () => create(t.admin, 'nope', inMs(3600_000)),
        () => reminders.get(t.admin, 'nope'),
        () => reminders.update(t.admin, { id: 'nope', patch: { done: true } }),
        () => reminders.delete(t.admin, 'nope'),
      ]) {
        expect((await problemOf(action())).status).toBe(404);
      }
    });
  });
});
