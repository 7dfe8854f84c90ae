import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { JobTrigger } from '@kanta/platform';
import type { JobType, JobsOptions, Queue } from 'bullmq';
import type { ReminderRow } from './reminder-row';

/** The customers service's BullMQ queue of reminder jobs. */
export const REMINDERS_QUEUE = 'customers-reminders';
export const REMINDER_DUE_JOB = 'reminder-due';

/** A due job's data: ids and the due time, nothing about the person. */
export interface ReminderDueJob {
  tenantId: string;
  reminderId: string;
  /** The due time the job was made for (UTC ISO); a rescheduled reminder has another job. */
  dueAt: string;
}

/**
 * One job per reminder and due time. BullMQ refuses a custom id with one `:` (it reserves them
 * for its repeatable jobs), hence `@`.
 */
export function reminderJobId(reminderId: string, dueAt: Date): string {
  return `${reminderId}@${dueAt.getTime()}`;
}

/** How long an erasure waits for Redis to remove a customer's reminder jobs. */
const REMOVE_TIMEOUT_MS = 3_000;
/** Where a job that is not running can be. */
const REMOVABLE_STATES: JobType[] = [
  'delayed',
  'wait',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
];

const JOB_OPTIONS: JobsOptions = {
  // A job that ran before its time (clocks differ) is retried; see DueReminders.makeDue.
  attempts: 6,
  backoff: { type: 'exponential', delay: 1_000 },
  // Kept jobs would make a later job with the same id a no-op; the row keeps the history.
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Puts a reminder's due job on the queue, after the reminder's transaction committed: the row is
 * the truth and the job only its trigger. When Redis cannot take the job the write still stands
 * and the caller still gets an answer; the sweep makes the reminder due on time or within
 * REMINDER_SWEEP_INTERVAL_MS.
 */
@Injectable()
export class ReminderJobs {
  /** The timeout, the skip after a failure and the logging shared with every row's job. */
  private readonly trigger: JobTrigger<ReminderDueJob>;

  constructor(@InjectQueue(REMINDERS_QUEUE) readonly queue: Queue<ReminderDueJob>) {
    this.trigger = new JobTrigger(queue, REMINDER_DUE_JOB, new Logger('ReminderJobs'), JOB_OPTIONS);
  }

  /** The reminder's due job; the reminder id only in a log line (the comment may be personal). */
  async schedule(row: ReminderRow): Promise<void> {
    if (row.status !== 'scheduled') return;
    await this.trigger.schedule(
      `reminder ${row.id}`,
      reminderJobId(row.id, row.due_at),
      { tenantId: row.tenant_id, reminderId: row.id, dueAt: row.due_at.toISOString() },
      row.due_at,
    );
  }

  /**
   * Removes every job of these reminders that is not running (any due time: a rescheduled
   * reminder left a job for each time it had), answering how many. For an erasure: the jobs
   * carry ids only, but nothing of an erased customer's reminders is to stay behind. Reads the
   * ids of the queue's jobs that are not running in one call (no job data); a running one
   * finishes on its own and finds no reminder. Throws when Redis does not answer in time.
   */
  async removeJobsOf(reminderIds: string[]): Promise<number> {
    if (reminderIds.length === 0) return 0;
    const prefixes = reminderIds.map((id) => `${id}@`);
    return withTimeout(REMOVE_TIMEOUT_MS, async () => {
      const ids = await this.queue.getRanges(REMOVABLE_STATES, 0, -1);
      const mine = [...new Set(ids)].filter((id) => prefixes.some((p) => id.startsWith(p)));
      let removed = 0;
      for (const id of mine) removed += await this.queue.remove(id);
      return removed;
    });
  }

  logRedisError(error: Error): void {
    this.trigger.logRedisError(error);
  }
}

async function withTimeout<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
