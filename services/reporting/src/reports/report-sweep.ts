import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicSweep } from '@kanta/platform';
import { ReportFiles } from './report-files';
import { ReportJobsRepository } from './report-jobs.repository';
import { ReportRun } from './report-run';

export const REPORT_SWEEP_INTERVAL = Symbol('REPORT_SWEEP_INTERVAL');
/** How long a queued report waits for its job before the sweep runs it instead. */
export const REPORT_JOB_GRACE = Symbol('REPORT_JOB_GRACE');

/** Reports the sweep runs in one pass. */
const RUN_PER_PASS = 3;

/**
 * At start and every REPORTS_SWEEP_INTERVAL_MS: deletes the files of reports whose days are over
 * (status expired), and runs the reports whose job was lost (Redis flushed or down) or whose run
 * stopped with its instance. Both claim the row, so a job and a sweep never both run one.
 */
@Injectable()
export class ReportSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ReportSweep');
  readonly sweep: PeriodicSweep;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ReportJobsRepository,
    private readonly files: ReportFiles,
    private readonly reports: ReportRun,
    @Inject(REPORT_SWEEP_INTERVAL) intervalMs: number,
    @Inject(REPORT_JOB_GRACE) private readonly jobGrace: string,
  ) {
    this.sweep = new PeriodicSweep(
      'report(s) expired or run',
      () => this.pass(),
      intervalMs,
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.sweep.start();
  }

  private async pass(): Promise<number> {
    const expired = await this.repository.expire(this.dataSource.manager);
    for (const { tenantId, id, format } of expired) await this.files.remove(tenantId, id, format);
    let count = expired.length;
    const waiting = await this.repository.waiting(
      this.dataSource.manager,
      this.jobGrace,
      RUN_PER_PASS,
    );
    for (const { tenantId, id } of waiting) {
      try {
        const outcome = await this.reports.run(tenantId, id);
        if (outcome !== 'skipped' && outcome !== 'busy') count += 1;
      } catch (error) {
        this.logger.warn((error as Error).message);
      }
    }
    return count;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweep.stop();
  }
}
