import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { problemType } from '@kanta/contracts';
import { ImportDryRun, type DryRunOutcome } from './dry-run/import-dry-run';
import {
  IMPORT_JOB_LOCK_MS,
  IMPORT_JOB_STALLS,
  IMPORT_PLAN_JOB,
  IMPORT_STALL_CHECK_MS,
  IMPORTS_QUEUE,
  ImportJobs,
  type ImportJobData,
} from './import-jobs';
import { ImportsRepository } from './imports.repository';

/**
 * Runs the import jobs: the dry run (`plan`). A job whose run fails on its last attempt fails
 * its import with a problem that names no value of the file.
 */
@Processor(IMPORTS_QUEUE, {
  concurrency: 2,
  lockDuration: IMPORT_JOB_LOCK_MS,
  stalledInterval: IMPORT_STALL_CHECK_MS,
  maxStalledCount: IMPORT_JOB_STALLS,
})
export class ImportProcessor extends WorkerHost {
  private readonly logger = new Logger('ImportProcessor');

  constructor(
    private readonly dryRun: ImportDryRun,
    private readonly jobs: ImportJobs,
    private readonly repository: ImportsRepository,
  ) {
    super();
  }

  async process(job: Job<ImportJobData>): Promise<DryRunOutcome> {
    if (job.name !== IMPORT_PLAN_JOB) throw new Error(`unknown import job ${job.name}`);
    const { tenantId, importId } = job.data;
    try {
      const outcome = await this.dryRun.run(tenantId, importId);
      // Another live run holds the lease: it plans the import; this job has nothing to do.
      return outcome;
    } catch (error) {
      this.logger.error(`import ${importId}: dry run failed (${(error as Error).name})`);
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.repository.fail(tenantId, importId, {
          type: problemType('import-failed'),
          title: 'Import failed',
          status: 500,
          detail: 'The dry run failed; upload the file again.',
        });
      }
      throw error;
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.jobs.trigger.logRedisError(error);
  }
}
