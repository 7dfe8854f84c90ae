import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicSweep } from '@kanta/platform';
import { DeletionJobs } from './deletion-jobs';
import { DeletionRequestsRepository } from './deletion-requests.repository';
import { DueDeletions } from './due-deletions';

export const DELETION_SWEEP_INTERVAL = Symbol('DELETION_SWEEP_INTERVAL');

/** Pending requests whose jobs are made again at start (a Redis lost meanwhile lost them). */
const RESCHEDULE_AT_START = 10_000;

/**
 * Erases every pending deletion request whose day has come, whatever happened to its job (Redis
 * flushed or down, a restart): at start and then every PRIVACY_DELETION_SWEEP_INTERVAL_MS.
 * At start it also makes again the jobs of pending requests not yet due, so they run on time
 * rather than at the next sweep. Instances sweeping at once share the work (SKIP LOCKED).
 */
@Injectable()
export class DeletionSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeletionSweep');
  readonly sweep: PeriodicSweep;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DeletionRequestsRepository,
    private readonly jobs: DeletionJobs,
    due: DueDeletions,
    @Inject(DELETION_SWEEP_INTERVAL) intervalMs: number,
  ) {
    this.sweep = new PeriodicSweep(
      'deletion request(s) erased',
      () => due.sweep(),
      intervalMs,
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.sweep.start();
    void this.reschedule().catch((error: Error) =>
      this.logger.warn(`deletion jobs not made again at start: ${error.message}`),
    );
  }

  private async reschedule(): Promise<void> {
    const rows = await this.repository.pendingNotDue(this.dataSource.manager, RESCHEDULE_AT_START);
    for (const row of rows) await this.jobs.schedule(row);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweep.stop();
  }
}
