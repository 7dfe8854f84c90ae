import {
  intFromEnv,
  readServiceBaseConfig,
  type EnvReader,
  type ServiceBaseConfig,
} from '@kanta/platform';

export interface ConsentsConfig extends ServiceBaseConfig {
  /** How long a write naming a just-created customer waits for its created event. */
  customerWaitMs: number;
}

export const readConsentsConfig: EnvReader<ConsentsConfig> = (env, problems) => ({
  ...readServiceBaseConfig(env, problems, 'consents', { port: 3003, dbPool: 10 }),
  customerWaitMs: intFromEnv(env, problems, 'CONSENTS_CUSTOMER_WAIT_MS', 2000, {
    min: 0,
    max: 30_000,
  }),
});
