import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicSweep } from '@kanta/platform';
import { ImportCommit } from './import-commit';
import { importLeaseHeld } from './import-commit.leases';

export const IMPORT_COMMIT_SWEEP_INTERVAL = Symbol('IMPORT_COMMIT_SWEEP_INTERVAL');

/**
 * At start and every IMPORT_COMMIT_SWEEP_INTERVAL_MS: resumes the commits no live run holds
 * (their process died: its lease went with it; or their job was lost with Redis), one after
 * another. A process restarted after a `kill -9` resumes its commit at once, without waiting for
 * BullMQ to notice the stalled job (which, taken again, skips the commit the sweep holds).
 */
@Injectable()
export class ImportCommitSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ImportCommitSweep');
  readonly sweep: PeriodicSweep;

  constructor(
    private readonly dataSource: DataSource,
    private readonly commits: ImportCommit,
    @Inject(IMPORT_COMMIT_SWEEP_INTERVAL) intervalMs: number,
  ) {
    this.sweep = new PeriodicSweep(
      'import commit(s) resumed',
      () => this.pass(),
      intervalMs,
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.sweep.start();
  }

  private async pass(): Promise<number> {
    const orphans = await this.dataSource.query<{ tenant_id: string; id: string }[]>(
      `SELECT tenant_id, id FROM customers.imports i
        WHERE status = 'committing' AND customers_done_at IS NULL
          AND NOT ${importLeaseHeld('i.id')}
        ORDER BY created_at LIMIT 10`,
    );
    let resumed = 0;
    for (const { tenant_id, id } of orphans) {
      const outcome = await this.commits.run(tenant_id, id);
      this.commits.logOutcome(id, outcome);
      if (outcome !== 'skipped') resumed += 1;
    }
    return resumed;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.commits.stop();
    await this.sweep.stop();
  }
}
