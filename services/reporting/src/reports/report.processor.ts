import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import {
  BUSY_RETRY_MS,
  REPORT_JOB_LOCK_MS,
  REPORT_JOB_STALLS,
  REPORT_STALL_CHECK_MS,
  REPORT_WORKER_CONCURRENCY,
  REPORTS_QUEUE,
  ReportJobs,
  type ReportJobData,
} from './report-jobs';
import { ReportRun, type ReportOutcome } from './report-run';

/**
 * Writes a report when its job comes up, several at once. A job whose tenant already has its
 * share of reports running goes back to wait (delayed BUSY_RETRY_MS) and frees the slot for
 * another tenant's.
 */
@Processor(REPORTS_QUEUE, {
  concurrency: REPORT_WORKER_CONCURRENCY,
  lockDuration: REPORT_JOB_LOCK_MS,
  stalledInterval: REPORT_STALL_CHECK_MS,
  maxStalledCount: REPORT_JOB_STALLS,
})
export class ReportProcessor extends WorkerHost {
  constructor(
    private readonly reports: ReportRun,
    private readonly jobs: ReportJobs,
  ) {
    super();
  }

  async process(job: Job<ReportJobData>, token?: string): Promise<ReportOutcome> {
    const outcome = await this.reports.run(job.data.tenantId, job.data.reportId);
    if (outcome === 'busy' && token) {
      await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    return outcome;
  }

  /** Without a listener an 'error' event (Redis unreachable) would crash the process. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.jobs.trigger.logRedisError(error);
  }
}
