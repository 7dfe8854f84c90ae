import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobTrigger } from '@kanta/platform';

/** The reporting service's BullMQ queue of reports to write. */
export const REPORTS_QUEUE = 'reporting-reports';
export const REPORT_JOB = 'report';

/**
 * Reports a worker process writes at once (its BullMQ concurrency), and reports one tenant may
 * have running at once across all workers: a tenant's long reports take at most
 * REPORTS_PER_TENANT of the slots, so another tenant's report starts beside them.
 */
export const REPORT_WORKER_CONCURRENCY = 4;
export const REPORTS_PER_TENANT = Symbol('REPORTS_PER_TENANT');
/** How long a job waits before trying again when its tenant's slots are taken. */
export const BUSY_RETRY_MS = 2_000;
/**
 * BullMQ's lock on a job being processed (renewed by a live worker every half of it) and how
 * often workers look for jobs whose lock lapsed: a killed process's jobs go back to the queue
 * within about REPORT_JOB_LOCK_MS + 2 x REPORT_STALL_CHECK_MS (BullMQ's defaults, 30 s each,
 * left a report whose job was taken but not yet claimed queued for up to a minute). A job
 * thought stalled while its run lives costs nothing: the run holds the report's lease, and the
 * job taken again skips it (ReportLeases).
 */
export const REPORT_JOB_LOCK_MS = 10_000;
export const REPORT_STALL_CHECK_MS = 5_000;
/**
 * Times a stalled job goes back to the queue before BullMQ fails it (its default, 1, left a job
 * whose process was killed twice failed and its report queued until the sweep's grace ran out).
 * Taking it again is always safe (the lease); a report that kills its process every time is
 * run again by the sweep all the same.
 */
export const REPORT_JOB_STALLS = 5;

/** A report job's data: ids only. */
export interface ReportJobData {
  tenantId: string;
  reportId: string;
}

/**
 * The job of a report, id = the report's id. The row is the truth; the job makes it run at once,
 * and the sweep runs one whose job was lost (ReportSweep).
 */
@Injectable()
export class ReportJobs {
  readonly trigger: JobTrigger<ReportJobData>;

  constructor(@InjectQueue(REPORTS_QUEUE) readonly queue: Queue<ReportJobData>) {
    this.trigger = new JobTrigger(queue, REPORT_JOB, new Logger('ReportJobs'), {
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  schedule(tenantId: string, reportId: string): Promise<void> {
    return this.trigger.schedule(
      `report ${reportId}`,
      reportId,
      { tenantId, reportId },
      new Date(),
    );
  }

  /**
   * A job of its own for a report the sweep gives back to the queue (its run died, or its job
   * was lost): the report's first job may still be kept as failed (BullMQ fails a job stalled
   * twice), and adding that id again would add nothing. A job too many skips the report (its
   * claim and lease let one run write it).
   */
  handBack(tenantId: string, reportId: string): Promise<void> {
    return this.trigger.schedule(
      `report ${reportId}`,
      `${reportId}-${Date.now()}`,
      { tenantId, reportId },
      new Date(),
    );
  }
}
