import type { PostgresSettings } from '@kanta/database';
import type { SensitiveDataKeys } from './sensitive/sensitive-data';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface CustomersAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  /** Keys of the encrypted fields; development keys when absent (tests). */
  sensitiveDataKeys?: SensitiveDataKeys;
  /** false: do not publish the outbox (tests that read the outbox table themselves). */
  relay?: false;
  /** Broker names of their own (tests); default EVENTS_EXCHANGE / EVENTS_QUEUE_PREFIX. */
  eventsExchange?: string;
  queuePrefix?: string;
}
