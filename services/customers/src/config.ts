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
  /** Rows per transaction of an import's commit (IMPORT_COMMIT_BATCH_SIZE, default 1000). */
  importCommitBatchSize: number;
  /** How often commits whose run died are resumed (IMPORT_COMMIT_SWEEP_INTERVAL_MS, 30 s). */
  importCommitSweepIntervalMs: number;
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
  // At most what one vehicles event carries (IMPORT_VEHICLES_MAX_BATCH).
  importCommitBatchSize: intFromEnv(env, problems, 'IMPORT_COMMIT_BATCH_SIZE', 1000, {
    min: 1,
    max: 5000,
  }),
  importCommitSweepIntervalMs: intFromEnv(
    env,
    problems,
    'IMPORT_COMMIT_SWEEP_INTERVAL_MS',
    30_000,
    { min: 100, max: 24 * 3600_000 },
  ),
});
