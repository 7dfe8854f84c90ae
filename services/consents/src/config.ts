import { postgresSettingsFromEnv, type PostgresSettings } from '@kanta/database';
import {
  DEFAULT_RPC_PREFETCH,
  intFromEnv,
  readInfrastructureConfig,
  rpcQueueName,
  type EnvReader,
  type InfrastructureConfig,
} from '@kanta/platform';

export interface ConsentsConfig {
  port: number;
  postgres: PostgresSettings;
  dbPoolSize: number;
  infrastructure: InfrastructureConfig;
  rpcQueue: string;
  rpcPrefetch: number;
  customerWaitMs: number;
}

export const readConsentsConfig: EnvReader<ConsentsConfig> = (env, problems) => {
  const infrastructure = readInfrastructureConfig(env, problems);
  let postgres: PostgresSettings;
  try {
    postgres = postgresSettingsFromEnv(env);
  } catch (error) {
    problems.push((error as Error).message);
    postgres = postgresSettingsFromEnv({});
  }
  return {
    port: intFromEnv(env, problems, 'CONSENTS_PORT', 3003, { min: 1, max: 65535 }),
    postgres,
    dbPoolSize: intFromEnv(env, problems, 'CONSENTS_DB_POOL', 10, { min: 1, max: 200 }),
    infrastructure,
    rpcQueue: rpcQueueName('consents', infrastructure),
    rpcPrefetch: intFromEnv(env, problems, 'CONSENTS_RPC_PREFETCH', DEFAULT_RPC_PREFETCH, {
      min: 1,
      max: 1000,
    }),
    customerWaitMs: intFromEnv(env, problems, 'CONSENTS_CUSTOMER_WAIT_MS', 2000, {
      min: 0,
      max: 30_000,
    }),
  };
};
