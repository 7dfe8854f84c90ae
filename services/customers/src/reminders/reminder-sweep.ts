import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DueReminders } from './due-reminders';

export const REMINDER_SWEEP_INTERVAL = Symbol('REMINDER_SWEEP_INTERVAL');

/**
 * Makes due every scheduled reminder whose time has come, whatever happened to its job (Redis
 * flushed or down, a job lost): once at start, then every REMINDER_SWEEP_INTERVAL_MS. A timer of
 * this process rather than a BullMQ repeatable job, because it must run exactly when Redis cannot.
 * Instances sweeping at once share the work (FOR UPDATE SKIP LOCKED) and announce each reminder
 * once.
 */
@Injectable()
export class ReminderSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ReminderSweep');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly dueReminders: DueReminders,
    @Inject(REMINDER_SWEEP_INTERVAL) private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: a start never waits for a backlog (or for a database that is late).
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** One pass; a pass still running is joined rather than started twice. */
  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.dueReminders
      .sweep()
      .then(
        (count) => {
          if (count > 0) this.logger.log(`${count} reminder(s) made due by the sweep`);
        },
        (error: Error) => this.logger.warn(`reminder sweep failed: ${error.message}`),
      )
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
