import type { PostgresSettings } from '@kanta/database';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface CustomersAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  /** Redis of the BullMQ jobs (REDIS_URL); the service starts and answers without it. */
  redisUrl: string;
  /** Key prefix of the jobs in Redis (JOBS_PREFIX); tests give each file its own. */
  jobsPrefix: string;
  /** REMINDER_SWEEP_INTERVAL_MS. */
  reminderSweepIntervalMs: number;
  /** false: do not publish the outbox (tests that read the outbox table themselves). */
  relay?: false;
}
