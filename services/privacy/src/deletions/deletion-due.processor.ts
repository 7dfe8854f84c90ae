import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { DELETIONS_QUEUE, DeletionJobs, type DeletionDueJob } from './deletion-jobs';
import { DueDeletions, type DueOutcome } from './due-deletions';

/** Thrown so that BullMQ retries a job that ran before its request was due. */
export class DeletionNotYetDue extends Error {
  constructor(requestId: string) {
    super(`deletion request ${requestId} is not due yet`);
    this.name = 'DeletionNotYetDue';
  }
}

/** Erases a customer when their deletion request's delayed job comes up. */
@Processor(DELETIONS_QUEUE, { concurrency: 4 })
export class DeletionDueProcessor extends WorkerHost {
  constructor(
    private readonly due: DueDeletions,
    private readonly jobs: DeletionJobs,
  ) {
    super();
  }

  async process(job: Job<DeletionDueJob>): Promise<DueOutcome> {
    const outcome = await this.due.run(job.data.tenantId, job.data.requestId);
    if (outcome === 'not-due') throw new DeletionNotYetDue(job.data.requestId);
    return outcome;
  }

  /** Without a listener an 'error' event (Redis unreachable) would crash the process. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.jobs.trigger.logRedisError(error);
  }
}
