import type { JobsOptions, Queue, QueueOptions } from 'bullmq';

/**
 * Background jobs run on BullMQ (reports, imports, reminders, scheduled erasure). The database
 * row of a job is its truth and the queue only its trigger, so a lost Redis loses no request;
 * job ids are deterministic (the row's id), so enqueuing twice makes one job.
 *
 * The options every service passes to `BullModule.forRoot(...)` from @nestjs/bullmq:
 * one Redis connection from REDIS_URL and a key prefix per deployment (and per test run).
 */
export function jobsRootOptions(redisUrl: string, prefix = 'kanta:jobs'): QueueOptions {
  const url = new URL(redisUrl);
  return {
    prefix,
    connection: {
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      // BullMQ's workers block on Redis; a per-command retry limit would break them.
      maxRetriesPerRequest: null,
    },
  };
}

/** What a trigger or a sweep writes to: Nest's Logger fits. */
export interface JobLogger {
  log(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** How long a request waits for Redis before it answers anyway (the sweep covers the job). */
const ENQUEUE_TIMEOUT_MS = 500;
/** After Redis failed to take a job, requests this soon after do not wait for it at all. */
export const SKIP_AFTER_FAILURE_MS = 5_000;
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * A delayed job as the trigger of a database row's work (a reminder due, a deletion request's
 * erasure): added after the row's transaction committed, with a deterministic id, so adding it
 * twice makes one job. When Redis cannot take it the write still stands and the caller still
 * gets an answer at once; the row's sweep (PeriodicSweep) does the work on time or within its
 * interval. Log lines name the row's id only.
 */
export class JobTrigger<T> {
  private lastErrorLog = 0;
  private skipUntil = 0;

  constructor(
    private readonly queue: Queue<T>,
    private readonly jobName: string,
    private readonly logger: JobLogger,
    private readonly options: JobsOptions,
  ) {
    // Without a listener an 'error' event (Redis unreachable) would crash the process.
    queue.on('error', (error: Error) => this.logRedisError(error));
  }

  /** Adds the job for `rowId` to run at `at`, unless Redis failed a moment ago. */
  async schedule(rowId: string, jobId: string, data: T, at: Date): Promise<void> {
    if (Date.now() < this.skipUntil) {
      this.logger.debug(`${rowId} has no job (Redis failed just now); the sweep covers it`);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        // BullMQ's types make the job name a conditional type of T; any name is fine here.
        this.queue.add(this.jobName as never, data as never, {
          ...this.options,
          jobId,
          delay: Math.max(0, at.getTime() - Date.now()),
        }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis did not take the job in ${ENQUEUE_TIMEOUT_MS} ms`)),
            ENQUEUE_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      this.skipUntil = Date.now() + SKIP_AFTER_FAILURE_MS;
      this.logger.warn(`${rowId} has no job (${(error as Error).message}); the sweep covers it`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs a Redis error at most once a minute. */
  logRedisError(error: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog = now;
    this.logger.warn(`Redis for ${this.jobName} jobs: ${error.message}`);
  }
}

/**
 * Runs `pass` once at start and then every `intervalMs`: the work whose trigger (a job) was lost
 * is done anyway. A timer of the process rather than a BullMQ repeatable job, because it must run
 * exactly when Redis cannot. A pass still running is joined rather than started twice; `stop`
 * waits for it. `pass` answers how many rows it handled.
 */
export class PeriodicSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly what: string,
    private readonly pass: () => Promise<number>,
    private readonly intervalMs: number,
    private readonly logger: JobLogger,
  ) {}

  start(): void {
    // Not awaited: a start never waits for a backlog (or for a database that is late).
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass()
      .then(
        (count) => {
          if (count > 0) this.logger.log(`${count} ${this.what} by the sweep`);
        },
        (error: Error) => this.logger.warn(`${this.what} sweep failed: ${error.message}`),
      )
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
