import {
  intFromEnv,
  readServiceBaseConfig,
  stringFromEnv,
  type EnvReader,
  type ServiceBaseConfig,
} from '@kanta/platform';
import { sensitiveDataKeysFromEnv, type SensitiveDataKeys } from './sensitive/sensitive-data';

export interface CustomersConfig extends ServiceBaseConfig {
  sensitiveDataKeys: SensitiveDataKeys;
  /** Key prefix of the BullMQ jobs in Redis. */
  jobsPrefix: string;
  reminderSweepIntervalMs: number;
}

export const readCustomersConfig: EnvReader<CustomersConfig> = (env, problems) => ({
  ...readServiceBaseConfig(env, problems, 'customers', { port: 3001, dbPool: 16 }),
  sensitiveDataKeys: sensitiveDataKeysFromEnv(env, env.NODE_ENV === 'production', problems),
  // BullMQ joins prefix, queue and id with ':', and refuses a queue name containing one.
  jobsPrefix: stringFromEnv(env, problems, 'JOBS_PREFIX', 'kanta:jobs', /^[\w.:-]{1,100}$/),
  reminderSweepIntervalMs: intFromEnv(env, problems, 'REMINDER_SWEEP_INTERVAL_MS', 60_000, {
    min: 100,
    max: 24 * 3600_000,
  }),
});
