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
import { ReportJobs } from './report-jobs';
import { ReportJobsRepository } from './report-jobs.repository';
import { ReportRun } from './report-run';

export const REPORT_SWEEP_INTERVAL = Symbol('REPORT_SWEEP_INTERVAL');
/** How long a queued report waits for its job before the sweep runs it instead. */
export const REPORT_JOB_GRACE = Symbol('REPORT_JOB_GRACE');

/** Reports the sweep runs itself in one pass; it gives the others back to the queue. */
const RUN_PER_PASS = 3;
/** Reports a pass takes at most (run or given back). */
const TAKE_PER_PASS = 100;

/**
 * At start and every REPORTS_SWEEP_INTERVAL_MS: deletes the files of reports whose days are over
 * (status expired), and runs the reports whose job was lost (Redis flushed or down) or whose run
 * died with its process (no lease: ReportLeases), the first RUN_PER_PASS itself and the others
 * (and those whose tenant is at its limit) by new jobs. All claim the row, so one run writes it.
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
    private readonly jobs: ReportJobs,
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
    const waiting = await this.repository.waiting(
      this.dataSource.manager,
      this.jobGrace,
      TAKE_PER_PASS,
    );
    let ran = 0;
    for (const { tenantId, id } of waiting) {
      try {
        // A killed process may leave more reports than a pass runs, and a report whose tenant
        // is at its limit now must not wait for the next pass: the queue's worker runs those,
        // at its concurrency and with its busy retries. While Redis is away, the next pass.
        const outcome = ran < RUN_PER_PASS ? await this.reports.run(tenantId, id) : 'busy';
        if (outcome === 'busy') await this.jobs.handBack(tenantId, id);
        else if (outcome !== 'skipped') ran += 1;
      } catch (error) {
        this.logger.warn((error as Error).message);
      }
    }
    return expired.length + ran;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweep.stop();
  }
}
