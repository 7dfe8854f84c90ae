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
}
