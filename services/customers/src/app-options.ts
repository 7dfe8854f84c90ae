import type { PostgresSettings } from '@kanta/database';
import type { SensitiveDataKeys } from './sensitive/sensitive-data';

/** What the app module needs from outside; main.ts reads it from the environment, tests build it. */
export interface CustomersAppOptions {
  postgres: PostgresSettings;
  dbPoolSize?: number;
  amqpUrl: string;
  /** Keys of the encrypted fields; development keys when absent (tests). */
  sensitiveDataKeys?: SensitiveDataKeys;
  /** Redis of the BullMQ jobs (REDIS_URL); the local default when absent. */
  redisUrl?: string;
  /** Key prefix of the jobs in Redis (JOBS_PREFIX); tests give each file its own. */
  jobsPrefix?: string;
  /** false: do not publish the outbox (tests that read the outbox table themselves). */
  relay?: false;
}
