import { RPC_QUEUES, type RpcService } from '@kanta/contracts';

/**
 * Reads configuration from the environment and fails at start with every problem listed at
 * once, rather than at the first use of a bad value.
 */
export type EnvReader<T> = (env: NodeJS.ProcessEnv, problems: string[]) => T;

export function readConfig<T>(reader: EnvReader<T>, env: NodeJS.ProcessEnv = process.env): T {
  const problems: string[] = [];
  const config = reader(env, problems);
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

export function intFromEnv(
  env: NodeJS.ProcessEnv,
  problems: string[],
  name: string,
  fallback: number,
  range: { min: number; max: number } = { min: 0, max: Number.MAX_SAFE_INTEGER },
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    problems.push(`${name} must be a whole number from ${range.min} to ${range.max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

export function stringFromEnv(
  env: NodeJS.ProcessEnv,
  problems: string[],
  name: string,
  fallback: string,
  pattern?: RegExp,
): string {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (pattern && !pattern.test(value)) {
    problems.push(`${name} does not look right: "${value}" (expected ${String(pattern)})`);
    return fallback;
  }
  return value;
}

/** Broker and Redis settings every service shares. */
export interface InfrastructureConfig {
  amqpUrl: string;
  redisUrl: string;
  /** Key prefix of the BullMQ jobs in Redis (`JOBS_PREFIX`, default `kanta:jobs`). */
  jobsPrefix: string;
  /** Name of the topic exchange for domain events. */
  eventsExchange: string;
  /**
   * Prefix for RPC command queue names. Empty in a deployment; tests that start their own copy of
   * the services set one so that parallel test files never answer each other's requests.
   */
  rpcQueuePrefix: string;
  /** Prefix of each service's events queues (`<service>.events`, …), for the same reason. */
  eventsQueuePrefix: string;
  /**
   * How many waiting events a service's consumer handles in one transaction
   * (`EVENTS_BATCH_SIZE`); 1 handles each in its own.
   */
  eventsBatchSize: number;
  /**
   * How long a row that waits for another event (one half of a pair, such as a partner event's
   * consents waiting for the customers service's answer) is kept before the relay's clean-up
   * gives up on the other half (`EVENTS_WAIT_RETENTION_DAYS`, default 30): long enough to replay a
   * dead-lettered event.
   */
  eventsWaitRetentionDays: number;
}

export const readInfrastructureConfig: EnvReader<InfrastructureConfig> = (env, problems) => ({
  amqpUrl: stringFromEnv(
    env,
    problems,
    'AMQP_URL',
    'amqp://guest:guest@127.0.0.1:5672',
    /^amqps?:\/\//,
  ),
  redisUrl: stringFromEnv(env, problems, 'REDIS_URL', 'redis://127.0.0.1:6379', /^rediss?:\/\//),
  // BullMQ joins prefix, queue and id with ':', and refuses a queue name containing one.
  jobsPrefix: stringFromEnv(env, problems, 'JOBS_PREFIX', 'kanta:jobs', /^[\w.:-]{1,100}$/),
  eventsExchange: stringFromEnv(env, problems, 'EVENTS_EXCHANGE', 'kanta.events', /^[\w.-]+$/),
  rpcQueuePrefix: stringFromEnv(env, problems, 'RPC_QUEUE_PREFIX', '', /^[\w.-]*$/),
  eventsQueuePrefix: stringFromEnv(env, problems, 'EVENTS_QUEUE_PREFIX', '', /^[\w.-]*$/),
  eventsBatchSize: intFromEnv(env, problems, 'EVENTS_BATCH_SIZE', 512, { min: 1, max: 1000 }),
  eventsWaitRetentionDays: intFromEnv(env, problems, 'EVENTS_WAIT_RETENTION_DAYS', 30, {
    min: 1,
    max: 3650,
  }),
});

/** The command queue of a service, with the configured prefix. */
export function rpcQueueName(
  service: RpcService,
  config: Pick<InfrastructureConfig, 'rpcQueuePrefix'>,
): string {
  return `${config.rpcQueuePrefix}${RPC_QUEUES[service]}`;
}

/**
 * Socket options for every AMQP connection. amqplib leaves Nagle's algorithm on by default;
 * with the kernel's delayed ACKs that held each small RPC request or reply for about 40 ms
 * (measured: a single GET through the gateway took 48 ms, 1 ms with this).
 */
export const AMQP_SOCKET_OPTIONS = { noDelay: true } as const;
