import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicSweep } from '@kanta/platform';
import { DueReminders } from './due-reminders';

export const REMINDER_SWEEP_INTERVAL = Symbol('REMINDER_SWEEP_INTERVAL');

/**
 * Makes due every scheduled reminder whose time has come, whatever happened to its job (Redis
 * flushed or down, a job lost): once at start, then every REMINDER_SWEEP_INTERVAL_MS
 * (PeriodicSweep: a timer of this process, because it must run exactly when Redis cannot).
 * Instances sweeping at once share the work (FOR UPDATE SKIP LOCKED) and announce each reminder
 * once.
 */
@Injectable()
export class ReminderSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly sweep: PeriodicSweep;

  constructor(dueReminders: DueReminders, @Inject(REMINDER_SWEEP_INTERVAL) intervalMs: number) {
    this.sweep = new PeriodicSweep(
      'reminder(s) made due',
      () => dueReminders.sweep(),
      intervalMs,
      new Logger('ReminderSweep'),
    );
  }

  onApplicationBootstrap(): void {
    this.sweep.start();
  }

  /** One pass; a pass still running is joined rather than started twice. */
  runOnce(): Promise<void> {
    return this.sweep.runOnce();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.sweep.stop();
  }
}
