import { DATA_EXPORT_RETENTION_DAYS } from '@kanta/contracts';
import {
  intFromEnv,
  rpcQueueName,
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
  /** How many days a data export's file is kept (PRIVACY_EXPORT_RETENTION_DAYS, default 7). */
  exportRetentionDays: number;
  /** How often the export sweep deletes expired files and runs exports whose job was lost. */
  exportSweepIntervalMs: number;
  /** How long an export waits for one service's part (PRIVACY_EXPORT_RPC_TIMEOUT_MS). */
  exportRpcTimeoutMs: number;
  /** The command queues of the services an export gathers from. */
  exportSources: ExportSourceQueues;
}

/** The services whose parts of a data export are asked for over RPC. */
export type ExportSourceQueues = Record<'customers' | 'vehicles' | 'consents', string>;

export const readPrivacyConfig: EnvReader<PrivacyConfig> = (env, problems) => {
  const base = readServiceBaseConfig(env, problems, 'privacy', { port: 3004, dbPool: 5 });
  return {
    ...base,
    customerWaitMs: intFromEnv(env, problems, 'PRIVACY_CUSTOMER_WAIT_MS', 2000, {
      min: 0,
      max: 30_000,
    }),
    deletionSweepIntervalMs: intFromEnv(
      env,
      problems,
      'PRIVACY_DELETION_SWEEP_INTERVAL_MS',
      60_000,
      {
        min: 100,
        max: 3_600_000,
      },
    ),
    retentionSweepIntervalMs: intFromEnv(
      env,
      problems,
      'PRIVACY_RETENTION_SWEEP_INTERVAL_MS',
      RETENTION_SWEEP_DEFAULT_MS,
      { min: 100, max: 7 * 24 * 3_600_000 },
    ),
    exportRetentionDays: intFromEnv(
      env,
      problems,
      'PRIVACY_EXPORT_RETENTION_DAYS',
      DATA_EXPORT_RETENTION_DAYS,
      { min: 1, max: 365 },
    ),
    exportSweepIntervalMs: intFromEnv(env, problems, 'PRIVACY_EXPORT_SWEEP_INTERVAL_MS', 60_000, {
      min: 100,
      max: 3_600_000,
    }),
    exportRpcTimeoutMs: intFromEnv(env, problems, 'PRIVACY_EXPORT_RPC_TIMEOUT_MS', 30_000, {
      min: 100,
      max: 600_000,
    }),
    exportSources: {
      customers: rpcQueueName('customers', base.infrastructure),
      vehicles: rpcQueueName('vehicles', base.infrastructure),
      consents: rpcQueueName('consents', base.infrastructure),
    },
  };
};
