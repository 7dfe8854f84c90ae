import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { ERASURE_REQUESTED_V1, type EventEnvelope } from '@kanta/contracts';
import { SKIP_AFTER_FAILURE_MS } from '@kanta/platform';
import { reminderJobId, ReminderJobs } from '../src/reminders/reminder-jobs';
import { RedisGate } from './redis-gate';
import { assigneeOf, dueEvents, inMs, sleep, storedReminder, waitFor } from './reminder-support';
import {
  AMQP_URL,
  deleteJobKeys,
  remindersOf,
  startCustomers,
  tenantFixture,
  type CustomersHarness,
} from './support';

jest.setTimeout(30_000);

describe('reminders while Redis is down (real Postgres; Redis behind a gate of this test)', () => {
  let gate: RedisGate;
  let h: CustomersHarness;
  let reminders: ReturnType<typeof remindersOf>;
  const t = tenantFixture('FI');

  beforeAll(async () => {
    gate = await RedisGate.closedOnFreePort();
    // Redis is unreachable from the start: the service starts anyway.
    h = await startCustomers('remredisdown', {
      jobs: { redisUrl: gate.url, reminderSweepIntervalMs: 300 },
    });
    reminders = remindersOf(h.app);
  });
  afterAll(async () => {
    await h?.close();
    await gate?.close();
    if (h) await deleteJobKeys(h.jobsPrefix);
  });

  it('creates and answers at once, and the periodic sweep makes the reminder due with its event', async () => {
    const { customer } = await h.customers.create(t.admin, {
      firstName: 'Down',
      lastName: 'Redis',
    });
    const started = Date.now();
    const reminder = await reminders.create(t.admin, {
      customerId: customer.id,
      reminder: { dueAt: inMs(800), comment: 'call about the maintenance' },
      assignee: assigneeOf(t.admin),
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(reminder.status).toBe('upcoming');
    const rescheduled = await reminders.update(t.admin, {
      id: reminder.id,
      patch: { dueAt: inMs(1000) },
    });
    expect(rescheduled.version).toBe(2);

    await waitFor(
      'the sweep',
      async () => (await storedReminder(h.dataSource, reminder.id))?.status === 'due',
    );
    const events = await dueEvents(h.dataSource, reminder.id);
    expect(events.map((e) => e.envelope.payload)).toEqual([
      {
        reminderId: reminder.id,
        customerId: customer.id,
        assigneeUserId: t.admin.userId,
        dueAt: rescheduled.dueAt,
      },
    ]);
  });

  it('erases a customer all the same: its reminders go, their jobs are not waited for', async () => {
    const { customer } = await h.customers.create(t.admin, {
      firstName: 'Erased',
      lastName: 'Redis',
    });
    await reminders.create(t.admin, {
      customerId: customer.id,
      reminder: { dueAt: inMs(60_000), comment: 'call about the tyres' },
      assignee: assigneeOf(t.admin),
    });
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      const erasureId = randomUUID();
      const request: EventEnvelope = {
        eventId: randomUUID(),
        type: ERASURE_REQUESTED_V1,
        occurredAt: new Date().toISOString(),
        tenantId: t.tenantId,
        producer: 'privacy',
        correlationId: null,
        payload: { erasureId, customerId: customer.id, requestedAt: new Date().toISOString() },
      };
      channel.publish(h.eventsExchange, request.type, Buffer.from(JSON.stringify(request)));
      const [answer] = await waitFor('the erasure', () =>
        h.dataSource
          .query<{ counts: Record<string, number> }[]>(
            `SELECT envelope -> 'payload' -> 'counts' AS counts FROM customers.outbox
            WHERE envelope -> 'payload' ->> 'erasureId' = $1`,
            [erasureId],
          )
          .then((rows) => (rows.length > 0 ? rows : null)),
      );
      expect(answer.counts).toMatchObject({ customers: 1, reminders: 1, reminderJobs: 0 });
    } finally {
      await connection.close();
    }
  });

  it('puts jobs on the queue again once Redis is back', async () => {
    await gate.open();
    await sleep(SKIP_AFTER_FAILURE_MS);
    const { customer } = await h.customers.create(t.admin, {
      firstName: 'Back',
      lastName: 'Redis',
    });
    const later = await reminders.create(t.admin, {
      customerId: customer.id,
      reminder: { dueAt: inMs(60_000), comment: 'call' },
      assignee: assigneeOf(t.admin),
    });
    const queue = h.app.get(ReminderJobs).queue;
    const job = await waitFor('the job', () =>
      queue.getJob(reminderJobId(later.id, new Date(later.dueAt))),
    );
    expect(job.data).toEqual({ tenantId: t.tenantId, reminderId: later.id, dueAt: later.dueAt });
  });
});
