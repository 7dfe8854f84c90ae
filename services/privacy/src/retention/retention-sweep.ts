import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicSweep } from '@kanta/platform';
import { DueRetention } from './due-retention';

export const RETENTION_SWEEP_INTERVAL = Symbol('RETENTION_SWEEP_INTERVAL');

/**
 * Erases the customers retention has come for: at start and then every
 * PRIVACY_RETENTION_SWEEP_INTERVAL_MS (6 h). No job triggers it: a customer becomes due by
 * nothing happening, so the sweep is the only trigger.
 */
@Injectable()
export class RetentionSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly sweep: PeriodicSweep;

  constructor(due: DueRetention, @Inject(RETENTION_SWEEP_INTERVAL) intervalMs: number) {
    this.sweep = new PeriodicSweep(
      'customer(s) erased by retention',
      () => due.sweep(),
      intervalMs,
      new Logger('RetentionSweep'),
    );
  }

  onApplicationBootstrap(): void {
    this.sweep.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweep.stop();
  }
}
