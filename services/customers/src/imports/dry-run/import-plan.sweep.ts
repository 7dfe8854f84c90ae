import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicSweep } from '@kanta/platform';
import { ImportFiles } from '../import-files';
import { importPlanLeaseHeld } from '../import-leases';
import { ImportDryRun } from './import-dry-run';

export const IMPORT_PLAN_SWEEP_INTERVAL = Symbol('IMPORT_PLAN_SWEEP_INTERVAL');

/** Imports deleted per pass once their days are over. */
const EXPIRED_PER_PASS = 100;

/**
 * At start and every IMPORT_PLAN_SWEEP_INTERVAL_MS: plans the imports still planning that no live
 * run holds (their job was lost with Redis, or their process died and BullMQ has not yet handed
 * the stalled job on: the job, taken later, finds the import planned and skips it), one after
 * another; and deletes the imports not committed whose days are over (`expires_at`, 7 days), with
 * their rows and files: the personal data of a dry run nobody committed does not stay.
 */
@Injectable()
export class ImportPlanSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ImportPlanSweep');
  readonly sweep: PeriodicSweep;

  constructor(
    private readonly dataSource: DataSource,
    private readonly dryRun: ImportDryRun,
    private readonly files: ImportFiles,
    @Inject(IMPORT_PLAN_SWEEP_INTERVAL) intervalMs: number,
  ) {
    this.sweep = new PeriodicSweep(
      'import(s) planned or expired',
      () => this.pass(),
      intervalMs,
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.sweep.start();
  }

  async pass(): Promise<number> {
    let done = 0;
    const expired: { tenant_id: string; id: string }[] = await this.dataSource
      .query(
        `DELETE FROM customers.imports
        WHERE (tenant_id, id) IN (
          SELECT tenant_id, id FROM customers.imports
           WHERE expires_at < now() AND status NOT IN ('committing', 'committed')
           ORDER BY expires_at LIMIT $1)
        RETURNING tenant_id, id`,
        [EXPIRED_PER_PASS],
      )
      .then((answer: [{ tenant_id: string; id: string }[], number]) => answer[0]);
    for (const { tenant_id, id } of expired) await this.files.removeAll(tenant_id, id);
    done += expired.length;
    // A minute's grace: a just-started import's job takes it up first.
    const orphans: { tenant_id: string; id: string }[] = await this.dataSource.query(
      `SELECT tenant_id, id FROM customers.imports i
        WHERE status = 'planning' AND created_at < now() - interval '1 minute'
          AND NOT ${importPlanLeaseHeld('i.id')}
        ORDER BY created_at LIMIT 10`,
    );
    for (const { tenant_id, id } of orphans) {
      if ((await this.dryRun.run(tenant_id, id)) === 'planned') done += 1;
    }
    return done;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweep.stop();
  }
}
