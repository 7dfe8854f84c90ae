import {
  intFromEnv,
  readServiceBaseConfig,
  rpcQueueName,
  type EnvReader,
  type ServiceBaseConfig,
} from '@kanta/platform';
import type { RebuildOptions } from './rebuild/read-model-rebuild';

export interface ReportingConfig extends ServiceBaseConfig {
  /** The read model's rebuild: the owners' queues, a page's timeout and size. */
  rebuild: Omit<RebuildOptions, 'amqpUrl'>;
}

export const readReportingConfig: EnvReader<ReportingConfig> = (env, problems) => {
  const base = readServiceBaseConfig(env, problems, 'reporting', { port: 3005, dbPool: 5 });
  return {
    ...base,
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
  };
};
