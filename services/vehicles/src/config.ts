import {
  intFromEnv,
  readServiceBaseConfig,
  type EnvReader,
  type ServiceBaseConfig,
} from '@kanta/platform';

export interface VehiclesConfig extends ServiceBaseConfig {
  /** How long a write naming a just-created customer waits for its created event. */
  customerWaitMs: number;
}

export const readVehiclesConfig: EnvReader<VehiclesConfig> = (env, problems) => ({
  ...readServiceBaseConfig(env, problems, 'vehicles', { port: 3002, dbPool: 16 }),
  customerWaitMs: intFromEnv(env, problems, 'VEHICLES_CUSTOMER_WAIT_MS', 3000, {
    min: 0,
    max: 30_000,
  }),
});
