import type { PostgresSettings } from '@kanta/database';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface CustomersAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  /** false: do not publish the outbox (tests that read the outbox table themselves). */
  relay?: false;
}
