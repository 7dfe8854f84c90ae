import {
  intFromEnv,
  readServiceBaseConfig,
  type EnvReader,
  type ServiceBaseConfig,
} from '@kanta/platform';
import { sensitiveDataKeysFromEnv, type SensitiveDataKeys } from './sensitive/sensitive-data';

export interface CustomersConfig extends ServiceBaseConfig {
  sensitiveDataKeys: SensitiveDataKeys;
  reminderSweepIntervalMs: number;
}

export const readCustomersConfig: EnvReader<CustomersConfig> = (env, problems) => ({
  ...readServiceBaseConfig(env, problems, 'customers', { port: 3001, dbPool: 16 }),
  sensitiveDataKeys: sensitiveDataKeysFromEnv(env, env.NODE_ENV === 'production', problems),
  reminderSweepIntervalMs: intFromEnv(env, problems, 'REMINDER_SWEEP_INTERVAL_MS', 60_000, {
    min: 100,
    max: 24 * 3600_000,
  }),
});
