import { readPostgresSettings, type PostgresSettings } from '@kanta/database';
import {
  DEFAULT_RPC_PREFETCH,
  intFromEnv,
  readInfrastructureConfig,
  rpcQueueName,
  type EnvReader,
  type InfrastructureConfig,
} from '@kanta/platform';

export interface VehiclesConfig {
  port: number;
  postgres: PostgresSettings;
  dbPoolSize: number;
  infrastructure: InfrastructureConfig;
  rpcQueue: string;
  rpcPrefetch: number;
  customerWaitMs: number;
}

export const readVehiclesConfig: EnvReader<VehiclesConfig> = (env, problems) => {
  const infrastructure = readInfrastructureConfig(env, problems);
  const postgres = readPostgresSettings(env, problems);
  return {
    port: intFromEnv(env, problems, 'VEHICLES_PORT', 3002, { min: 1, max: 65535 }),
    postgres,
    dbPoolSize: intFromEnv(env, problems, 'VEHICLES_DB_POOL', 16, { min: 1, max: 200 }),
    infrastructure,
    rpcQueue: rpcQueueName('vehicles', infrastructure),
    rpcPrefetch: intFromEnv(env, problems, 'VEHICLES_RPC_PREFETCH', DEFAULT_RPC_PREFETCH, {
      min: 1,
      max: 1000,
    }),
    customerWaitMs: intFromEnv(env, problems, 'VEHICLES_CUSTOMER_WAIT_MS', 3000, {
      min: 0,
      max: 30_000,
    }),
  };
};
