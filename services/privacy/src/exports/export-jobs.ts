import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobTrigger } from '@kanta/platform';

/** The privacy service's BullMQ queue of data exports to gather. */
export const EXPORTS_QUEUE = 'privacy-exports';
export const EXPORT_JOB = 'data-export';
/** Attempts of an export whose services did not answer (503, 504) before it is failed. */
export const EXPORT_ATTEMPTS = 4;

/** An export job's data: ids only. */
export interface DataExportJob {
  tenantId: string;
  exportId: string;
}

/**
 * The job of a data export, id = the export's id. The row is the truth; the job makes it run at
 * once, and the sweep runs one whose job was lost (ExportSweep).
 */
@Injectable()
export class ExportJobs {
  readonly trigger: JobTrigger<DataExportJob>;

  constructor(@InjectQueue(EXPORTS_QUEUE) readonly queue: Queue<DataExportJob>) {
    this.trigger = new JobTrigger(queue, EXPORT_JOB, new Logger('ExportJobs'), {
      attempts: EXPORT_ATTEMPTS,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  schedule(tenantId: string, exportId: string): Promise<void> {
    return this.trigger.schedule(
      `data export ${exportId}`,
      exportId,
      { tenantId, exportId },
      new Date(),
    );
  }
}
