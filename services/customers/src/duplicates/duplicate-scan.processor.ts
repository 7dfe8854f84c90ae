import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import {
  DUPLICATE_SCAN_QUEUE,
  redisErrorReporter,
  type DuplicateScanJob,
} from './duplicate-scan.job';
import { DuplicatesService } from './duplicates.service';

/**
 * Runs a tenant's full scan (duplicates.repository.ts, scanTenant): pairs among data that arrived
 * in bulk (imports, COPY) which no create or update looked at. The scan is one transaction, so a
 * crash or a retry starts it over without leaving half a result.
 */
@Processor(DUPLICATE_SCAN_QUEUE)
export class DuplicateScanProcessor extends WorkerHost {
  private readonly logger = new Logger('DuplicateScan');
  private readonly reportError = redisErrorReporter((m) => this.logger.warn(m));

  constructor(private readonly duplicates: DuplicatesService) {
    super();
  }

  async process(job: Job<DuplicateScanJob>): Promise<{ pairs: number }> {
    try {
      const pairs = await this.duplicates.runScan(job.data.tenantId, (percent) =>
        job.updateProgress(percent),
      );
      return { pairs };
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.duplicates.scanFailed(job.data.tenantId);
      }
      throw error;
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.reportError(error);
  }
}
