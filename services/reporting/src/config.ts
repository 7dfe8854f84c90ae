import { resolve } from 'node:path';
import {
  intFromEnv,
  readServiceBaseConfig,
  rpcQueueName,
  stringFromEnv,
  type EnvReader,
  type ServiceBaseConfig,
} from '@kanta/platform';
import type { CatchUpOptions } from './catch-up/report-catch-up';
import type { RebuildOptions } from './rebuild/read-model-rebuild';

export interface ReportingConfig extends ServiceBaseConfig {
  /** Where report files are written (REPORTS_DIR, default `var/reports` of the working dir). */
  reportsDir: string;
  /** Reports one tenant may have running at once (REPORTS_PER_TENANT, default 2). */
  reportsPerTenant: number;
  /** How often the sweep deletes expired files and runs reports whose job was lost. */
  reportSweepIntervalMs: number;
  /** The read model's rebuild: the owners' queues, a page's timeout and size. */
  rebuild: Omit<RebuildOptions, 'amqpUrl'>;
  /** A report's catch-up: the sources asked for an outbox mark, and how long it waits. */
  catchUp: Omit<CatchUpOptions, 'amqpUrl'>;
}

export const readReportingConfig: EnvReader<ReportingConfig> = (env, problems) => {
  const base = readServiceBaseConfig(env, problems, 'reporting', { port: 3005, dbPool: 5 });
  return {
    ...base,
    reportsDir: resolve(stringFromEnv(env, problems, 'REPORTS_DIR', 'var/reports')),
    reportsPerTenant: intFromEnv(env, problems, 'REPORTS_PER_TENANT', 2, { min: 1, max: 32 }),
    reportSweepIntervalMs: intFromEnv(env, problems, 'REPORTS_SWEEP_INTERVAL_MS', 60_000, {
      min: 100,
      max: 3_600_000,
    }),
    rebuild: {
      queues: {
        customers: rpcQueueName('customers', base.infrastructure),
        vehicles: rpcQueueName('vehicles', base.infrastructure),
        consents: rpcQueueName('consents', base.infrastructure),
      },
      timeoutMs: intFromEnv(env, problems, 'REPORTING_REBUILD_RPC_TIMEOUT_MS', 30_000, {
        min: 100,
        max: 600_000,
      }),
      pageSize: intFromEnv(env, problems, 'REPORTING_REBUILD_PAGE_SIZE', 500, {
        min: 1,
        max: 1000,
      }),
      atStart: env.REPORTING_REBUILD_AT_START !== 'false',
    },
    catchUp: {
      sources: {
        customers: rpcQueueName('customers', base.infrastructure),
        vehicles: rpcQueueName('vehicles', base.infrastructure),
        consents: rpcQueueName('consents', base.infrastructure),
        privacy: rpcQueueName('privacy', base.infrastructure),
      },
      timeoutMs: intFromEnv(env, problems, 'REPORT_CATCH_UP_MS', 30_000, {
        min: 0,
        max: 600_000,
      }),
    },
  };
};
