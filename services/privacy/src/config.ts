import {
  intFromEnv,
  readServiceBaseConfig,
  type EnvReader,
  type ServiceBaseConfig,
} from '@kanta/platform';

/** How often the retention sweep runs unless PRIVACY_RETENTION_SWEEP_INTERVAL_MS says: 6 h. */
export const RETENTION_SWEEP_DEFAULT_MS = 6 * 3_600_000;

export interface PrivacyConfig extends ServiceBaseConfig {
  /** How long a request naming a just-created customer waits for its created event. */
  customerWaitMs: number;
  deletionSweepIntervalMs: number;
  retentionSweepIntervalMs: number;
}

export const readPrivacyConfig: EnvReader<PrivacyConfig> = (env, problems) => ({
  ...readServiceBaseConfig(env, problems, 'privacy', { port: 3004, dbPool: 5 }),
  customerWaitMs: intFromEnv(env, problems, 'PRIVACY_CUSTOMER_WAIT_MS', 2000, {
    min: 0,
    max: 30_000,
  }),
  deletionSweepIntervalMs: intFromEnv(env, problems, 'PRIVACY_DELETION_SWEEP_INTERVAL_MS', 60_000, {
    min: 100,
    max: 3_600_000,
  }),
  retentionSweepIntervalMs: intFromEnv(
    env,
    problems,
    'PRIVACY_RETENTION_SWEEP_INTERVAL_MS',
    RETENTION_SWEEP_DEFAULT_MS,
    { min: 100, max: 7 * 24 * 3_600_000 },
  ),
});
