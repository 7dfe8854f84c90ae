import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobTrigger } from '@kanta/platform';

/** The privacy service's BullMQ queue of due deletion requests. */
export const DELETIONS_QUEUE = 'privacy-deletions';
export const DELETION_DUE_JOB = 'deletion-due';

/** A due job's data: ids only. */
export interface DeletionDueJob {
  tenantId: string;
  requestId: string;
}

/**
 * The delayed job of a deletion request, id = the request's id: one job per request, however
 * often it is scheduled. The request row is the truth; the job only makes it run on time.
 */
@Injectable()
export class DeletionJobs {
  readonly trigger: JobTrigger<DeletionDueJob>;

  constructor(@InjectQueue(DELETIONS_QUEUE) readonly queue: Queue<DeletionDueJob>) {
    this.trigger = new JobTrigger(queue, DELETION_DUE_JOB, new Logger('DeletionJobs'), {
      // A job that ran before its time (clocks differ) is retried; see DueDeletions.run.
      attempts: 6,
      backoff: { type: 'exponential', delay: 1_000 },
      // A kept job would make a later schedule of the same request a no-op.
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  schedule(request: { tenant_id: string; id: string; due_at: Date }): Promise<void> {
    return this.trigger.schedule(
      `deletion request ${request.id}`,
      request.id,
      { tenantId: request.tenant_id, requestId: request.id },
      request.due_at,
    );
  }
}
