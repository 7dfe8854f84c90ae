import {
  intFromEnv,
  readInfrastructureConfig,
  stringFromEnv,
  rpcQueueName,
  type EnvReader,
  type InfrastructureConfig,
} from '@kanta/platform';
import { readPostgresSettings, type PostgresSettings } from '@kanta/database';
import { DEFAULT_RPC_PREFETCH } from '@kanta/platform';
import { sensitiveDataKeysFromEnv, type SensitiveDataKeys } from './sensitive/sensitive-data';

export interface CustomersConfig {
  port: number;
  postgres: PostgresSettings;
  dbPoolSize: number;
  infrastructure: InfrastructureConfig;
  rpcQueue: string;
  rpcPrefetch: number;
  sensitiveDataKeys: SensitiveDataKeys;
  /** Key prefix of the BullMQ jobs in Redis. */
  jobsPrefix: string;
  reminderSweepIntervalMs: number;
}

export const readCustomersConfig: EnvReader<CustomersConfig> = (env, problems) => {
  const infrastructure = readInfrastructureConfig(env, problems);
  const postgres = readPostgresSettings(env, problems);
  return {
    port: intFromEnv(env, problems, 'CUSTOMERS_PORT', 3001, { min: 1, max: 65535 }),
    postgres,
    dbPoolSize: intFromEnv(env, problems, 'CUSTOMERS_DB_POOL', 16, { min: 1, max: 200 }),
    infrastructure,
    rpcQueue: rpcQueueName('customers', infrastructure),
    rpcPrefetch: intFromEnv(env, problems, 'CUSTOMERS_RPC_PREFETCH', DEFAULT_RPC_PREFETCH, {
      min: 1,
      max: 1000,
    }),
    sensitiveDataKeys: sensitiveDataKeysFromEnv(env, env.NODE_ENV === 'production', problems),
    // BullMQ joins prefix, queue and id with ':', and refuses a queue name containing one.
    jobsPrefix: stringFromEnv(env, problems, 'JOBS_PREFIX', 'kanta:jobs', /^[\w.:-]{1,100}$/),
    reminderSweepIntervalMs: intFromEnv(env, problems, 'REMINDER_SWEEP_INTERVAL_MS', 60_000, {
      min: 100,
      max: 24 * 3600_000,
    }),
  };
};
