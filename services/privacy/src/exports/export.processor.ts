import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { EXPORTS_QUEUE, ExportJobs, type DataExportJob } from './export-jobs';
import { ExportRun, type ExportOutcome } from './export-run';

/** Gathers a data export when its job comes up; retried while a service is away. */
@Processor(EXPORTS_QUEUE, { concurrency: 2 })
export class ExportProcessor extends WorkerHost {
  constructor(
    private readonly exports: ExportRun,
    private readonly jobs: ExportJobs,
  ) {
    super();
  }

  process(job: Job<DataExportJob>): Promise<ExportOutcome> {
    return this.exports.run(job.data.tenantId, job.data.exportId);
  }

  /** Without a listener an 'error' event (Redis unreachable) would crash the process. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.jobs.trigger.logRedisError(error);
  }
}
