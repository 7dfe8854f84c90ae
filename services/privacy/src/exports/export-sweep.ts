import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicSweep } from '@kanta/platform';
import { DataExportsRepository } from './data-exports.repository';
import { ExportRun } from './export-run';

export const EXPORT_SWEEP_INTERVAL = Symbol('EXPORT_SWEEP_INTERVAL');

/** Exports the sweep runs in one pass. */
const RUN_PER_PASS = 5;
/** How long a pending export waits for its job before the sweep runs it instead. */
const JOB_GRACE = '1 minute';

/**
 * At start and every PRIVACY_EXPORT_SWEEP_INTERVAL_MS: deletes the files of exports whose days
 * are over (status expired), and runs the exports whose job was lost (Redis flushed or down) or
 * whose run stopped with its instance. Both claim the row, so a job and a sweep never both run
 * one.
 */
@Injectable()
export class ExportSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ExportSweep');
  readonly sweep: PeriodicSweep;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DataExportsRepository,
    private readonly exports: ExportRun,
    @Inject(EXPORT_SWEEP_INTERVAL) intervalMs: number,
  ) {
    this.sweep = new PeriodicSweep(
      'data export(s) expired or run',
      () => this.pass(),
      intervalMs,
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.sweep.start();
  }

  private async pass(): Promise<number> {
    let count = await this.repository.expire(this.dataSource.manager);
    const waiting = await this.repository.waiting(this.dataSource.manager, JOB_GRACE, RUN_PER_PASS);
    for (const { tenantId, id } of waiting) {
      try {
        if ((await this.exports.run(tenantId, id)) !== 'skipped') count += 1;
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
