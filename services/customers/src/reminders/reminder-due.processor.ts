import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { DueReminders, type DueOutcome } from './due-reminders';
import { REMINDERS_QUEUE, ReminderJobs, type ReminderDueJob } from './reminder-jobs';

/** Thrown so that BullMQ retries a job that ran before its reminder's time. */
export class ReminderNotYetDue extends Error {
  constructor(reminderId: string) {
    super(`reminder ${reminderId} is not due yet`);
    this.name = 'ReminderNotYetDue';
  }
}

/** Makes a reminder due when its delayed job comes up. */
@Processor(REMINDERS_QUEUE, { concurrency: 8 })
export class ReminderDueProcessor extends WorkerHost {
  constructor(
    private readonly dueReminders: DueReminders,
    private readonly jobs: ReminderJobs,
  ) {
    super();
  }

  async process(job: Job<ReminderDueJob>): Promise<DueOutcome> {
    const { tenantId, reminderId, dueAt } = job.data;
    const outcome = await this.dueReminders.makeDue(tenantId, reminderId, new Date(dueAt));
    if (outcome === 'too-early') throw new ReminderNotYetDue(reminderId);
    return outcome;
  }

  /** Without a listener an 'error' event (Redis unreachable) would crash the process. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.jobs.logRedisError(error);
  }
}
