import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { ImportCommit, type CommitOutcome } from './import-commit';
import {
  IMPORT_COMMIT_LOCK_MS,
  IMPORT_COMMIT_STALL_CHECK_MS,
  IMPORT_COMMIT_STALLS,
  IMPORT_COMMITS_QUEUE,
  ImportCommitJobs,
  type ImportCommitJobData,
} from './import-commit.jobs';

/** Runs an import's commit when its job comes up (a run holding the lease: skipped). */
@Processor(IMPORT_COMMITS_QUEUE, {
  concurrency: 2,
  lockDuration: IMPORT_COMMIT_LOCK_MS,
  stalledInterval: IMPORT_COMMIT_STALL_CHECK_MS,
  maxStalledCount: IMPORT_COMMIT_STALLS,
})
export class ImportCommitProcessor extends WorkerHost {
  constructor(
    private readonly commits: ImportCommit,
    private readonly jobs: ImportCommitJobs,
  ) {
    super();
  }

  async process(job: Job<ImportCommitJobData>): Promise<CommitOutcome> {
    const outcome = await this.commits.run(job.data.tenantId, job.data.importId);
    this.commits.logOutcome(job.data.importId, outcome);
    return outcome;
  }

  /** Without a listener an 'error' event (Redis unreachable) would crash the process. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.jobs.trigger.logRedisError(error);
  }
}
