import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobTrigger } from '@kanta/platform';

/** The customers service's BullMQ queue of import jobs (docs/import.md). */
export const IMPORTS_QUEUE = 'customer-imports';
/** The dry run of an import. */
export const IMPORT_PLAN_JOB = 'plan';

/**
 * BullMQ's lock on a job being processed and how often workers look for jobs whose lock lapsed:
 * a killed worker's job goes back to the queue within about IMPORT_JOB_LOCK_MS + 2 ×
 * IMPORT_STALL_CHECK_MS. A job thought stalled while its run lives costs nothing: the run holds
 * the import's lease (ImportLeases), and the job taken again skips it.
 */
export const IMPORT_JOB_LOCK_MS = 10_000;
export const IMPORT_STALL_CHECK_MS = 5_000;
/** Times a stalled job goes back to the queue before BullMQ fails it. */
export const IMPORT_JOB_STALLS = 5;

/** An import job's data: ids only, never a value of the file. */
export interface ImportJobData {
  tenantId: string;
  importId: string;
}

@Injectable()
export class ImportJobs {
  readonly trigger: JobTrigger<ImportJobData>;

  constructor(@InjectQueue(IMPORTS_QUEUE) readonly queue: Queue<ImportJobData>) {
    this.trigger = new JobTrigger(queue, IMPORT_PLAN_JOB, new Logger('ImportJobs'), {
      attempts: 3,
      backoff: { type: 'fixed', delay: 2_000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /** The dry run's job, id `plan-<import>`. */
  schedulePlan(tenantId: string, importId: string): Promise<void> {
    return this.trigger.schedule(
      `import ${importId}`,
      `plan-${importId}`,
      { tenantId, importId },
      new Date(),
    );
  }
}
