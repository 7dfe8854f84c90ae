import type { PostgresSettings } from '@kanta/database';
import type { CatchUpOptions } from './catch-up/report-catch-up';
import type { RebuildOptions } from './rebuild/read-model-rebuild';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface ReportingAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  /** Broker names of its own (tests); default EVENTS_EXCHANGE / EVENTS_QUEUE_PREFIX. */
  messaging?: { eventsExchange?: string; queuePrefix?: string };
  redisUrl: string;
  /** BullMQ key prefix (JOBS_PREFIX). */
  jobsPrefix?: string;
  /** Report jobs: the files' directory, running per tenant (2), sweep (60 s). */
  reportsDir: string;
  reportsPerTenant?: number;
  reportSweepIntervalMs?: number;
  /** How long a queued report waits for its job before the sweep runs it; default 1 minute. */
  reportJobGrace?: string;
  /** The read model's rebuild (config `rebuild`); without it, the owners' default queues. */
  rebuild?: Omit<RebuildOptions, 'amqpUrl'>;
  /**
   * A report's catch-up (config `catchUp`); without it no source is asked and a report is
   * written at once (tests that fill the read model by hand).
   */
  catchUp?: Omit<CatchUpOptions, 'amqpUrl'>;
}
