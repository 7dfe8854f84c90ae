import { resolve } from 'node:path';
import {
  intFromEnv,
  stringFromEnv,
  readServiceBaseConfig,
  type EnvReader,
  type ServiceBaseConfig,
} from '@kanta/platform';
import { DEFAULT_IMPORT_MAX_BYTES } from './imports/imports.service';
import { sensitiveDataKeysFromEnv, type SensitiveDataKeys } from './sensitive/sensitive-data';

export interface CustomersConfig extends ServiceBaseConfig {
  sensitiveDataKeys: SensitiveDataKeys;
  reminderSweepIntervalMs: number;
  /** Uploaded import files and errors files (IMPORTS_DIR, default `var/imports`). */
  importsDir: string;
  /** The largest import file in bytes (IMPORT_MAX_BYTES, default 256 MiB). */
  importMaxBytes: number;
}

export const readCustomersConfig: EnvReader<CustomersConfig> = (env, problems) => ({
  ...readServiceBaseConfig(env, problems, 'customers', { port: 3001, dbPool: 16 }),
  sensitiveDataKeys: sensitiveDataKeysFromEnv(env, env.NODE_ENV === 'production', problems),
  reminderSweepIntervalMs: intFromEnv(env, problems, 'REMINDER_SWEEP_INTERVAL_MS', 60_000, {
    min: 100,
    max: 24 * 3600_000,
  }),
  importsDir: resolve(stringFromEnv(env, problems, 'IMPORTS_DIR', 'var/imports')),
  importMaxBytes: intFromEnv(env, problems, 'IMPORT_MAX_BYTES', DEFAULT_IMPORT_MAX_BYTES, {
    min: 1024,
    max: 4 * 1024 * 1024 * 1024,
  }),
});
