import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobTrigger } from '@kanta/platform';

/** The customers service's BullMQ queue of import commits (the dry run has its own). */
export const IMPORT_COMMITS_QUEUE = 'customer-import-commits';
export const IMPORT_COMMIT_JOB = 'import-commit';

/**
 * BullMQ's lock on a commit job being processed and how often workers look for lapsed ones, as
 * the report jobs have them (services/reporting, report-jobs.ts): a killed worker's job goes back
 * to the queue within seconds. Taken again while its run lives, it is skipped (the lease).
 */
export const IMPORT_COMMIT_LOCK_MS = 10_000;
export const IMPORT_COMMIT_STALL_CHECK_MS = 5_000;
export const IMPORT_COMMIT_STALLS = 5;

/** A commit job's data: ids only. */
export interface ImportCommitJobData {
  tenantId: string;
  importId: string;
}

/** The job of an import's commit. The import's row is the truth; the sweep runs a lost one. */
@Injectable()
export class ImportCommitJobs {
  readonly trigger: JobTrigger<ImportCommitJobData>;

  constructor(@InjectQueue(IMPORT_COMMITS_QUEUE) readonly queue: Queue<ImportCommitJobData>) {
    this.trigger = new JobTrigger(queue, IMPORT_COMMIT_JOB, new Logger('ImportCommitJobs'), {
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  schedule(tenantId: string, importId: string): Promise<void> {
    return this.trigger.schedule(
      `import ${importId}`,
      `${importId}-${Date.now()}`,
      { tenantId, importId },
      new Date(),
    );
  }
}
