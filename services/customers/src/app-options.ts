import type { PostgresSettings } from '@kanta/database';
import type { ImportFileReader } from './imports/import-reader';
import type { SensitiveDataKeys } from './sensitive/sensitive-data';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface CustomersAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  /** Keys of the encrypted fields; development keys when absent (tests). */
  sensitiveDataKeys?: SensitiveDataKeys;
  /** Redis of the BullMQ jobs (REDIS_URL); the service starts and answers without it. */
  redisUrl: string;
  /** Key prefix of the jobs in Redis (JOBS_PREFIX); tests give each file its own. */
  jobsPrefix: string;
  /** REMINDER_SWEEP_INTERVAL_MS. */
  reminderSweepIntervalMs: number;
  /** Where uploaded import files and errors files are kept (IMPORTS_DIR; default var/imports). */
  importsDir?: string;
  /** The largest import file (IMPORT_MAX_BYTES; default 256 MiB). */
  importMaxBytes?: number;
  /** How often the imports' sweep runs (default a minute): lost dry runs, expired imports. */
  importSweepIntervalMs?: number;
  /** The import file reader; the service's own when absent (tests give rows of their own). */
  importFileReader?: ImportFileReader;
  /** false: do not publish the outbox (tests that read the outbox table themselves). */
  relay?: false;
  /** Import commits: rows per batch (default 1000) and how often lost commits are resumed. */
  importCommit?: { batchSize?: number; sweepIntervalMs?: number };
  /** Broker names of its own (tests); default EVENTS_EXCHANGE / EVENTS_QUEUE_PREFIX. */
  messaging?: { eventsExchange?: string; queuePrefix?: string };
}
