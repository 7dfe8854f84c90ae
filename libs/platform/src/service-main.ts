import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  migrateServiceSchema,
  readServiceDatabaseSettings,
  type ServiceDatabaseSettings,
  type ServiceSchema,
} from '@kanta/database';
import type { RpcService } from '@kanta/contracts';
import {
  intFromEnv,
  readInfrastructureConfig,
  rpcQueueName,
  type InfrastructureConfig,
} from './config';
import { createLogger } from './logger';
import { nestLogger } from './nest-logger';
import { DEFAULT_RPC_PREFETCH, connectRpcServer } from './rpc/rpc-server';

/** What every service's main.ts has read from its configuration. */
export interface ServiceStart {
  schema: ServiceSchema;
  database: ServiceDatabaseSettings;
  amqpUrl: string;
  rpcQueue: string;
  rpcPrefetch: number;
  port: number;
  /** The service's root module, built from its configuration. */
  module: DynamicModule;
}

/**
 * A service's start, the same for every service: apply its migrations, build the Nest app with
 * the pino logger, connect its RPC command queue, listen for `/health`. A failure to start is
 * logged and ends the process.
 */
export function runService(service: RpcService, start: () => ServiceStart): void {
  const logger = createLogger(service);
  const run = async (): Promise<void> => {
    const options = start();
    const applied = await migrateServiceSchema(options.schema, options.database);
    logger.info({ migrations: applied }, 'migrations applied');
    const app = await NestFactory.create(options.module, { logger: nestLogger(logger) });
    app.enableShutdownHooks();
    connectRpcServer(
      app,
      service,
      { amqpUrl: options.amqpUrl, queue: options.rpcQueue, prefetchCount: options.rpcPrefetch },
      logger,
    );
    await app.startAllMicroservices();
    await app.listen(options.port);
    logger.info({ port: options.port, queue: options.rpcQueue }, `${service} service started`);
  };
  run().catch((error: unknown) => {
    logger.fatal({ err: error }, `${service} service failed to start`);
    process.exit(1);
  });
}

/** What every service reads the same way, under its own variable names. */
export interface ServiceBaseConfig {
  port: number;
  /** Its roles on the database (runtime, owner, and the administrator when it provisions). */
  database: ServiceDatabaseSettings;
  dbPoolSize: number;
  infrastructure: InfrastructureConfig;
  rpcQueue: string;
  rpcPrefetch: number;
}

/**
 * `<SERVICE>_PORT`, `<SERVICE>_DB_POOL`, `<SERVICE>_RPC_PREFETCH`, the PG* settings with the
 * service's roles (`<SERVICE>_DB_USER`, `<SERVICE>_DB_OWNER`, their passwords) and the shared
 * infrastructure (AMQP_URL, REDIS_URL, EVENTS_EXCHANGE, the prefixes), with every problem
 * collected in `problems`.
 */
export function readServiceBaseConfig(
  env: NodeJS.ProcessEnv,
  problems: string[],
  service: RpcService,
  defaults: { port: number; dbPool: number },
): ServiceBaseConfig {
  const prefix = service.toUpperCase();
  const infrastructure = readInfrastructureConfig(env, problems);
  return {
    port: intFromEnv(env, problems, `${prefix}_PORT`, defaults.port, { min: 1, max: 65535 }),
    database: readServiceDatabaseSettings(env, problems, service),
    dbPoolSize: intFromEnv(env, problems, `${prefix}_DB_POOL`, defaults.dbPool, {
      min: 1,
      max: 200,
    }),
    infrastructure,
    rpcQueue: rpcQueueName(service, infrastructure),
    rpcPrefetch: intFromEnv(env, problems, `${prefix}_RPC_PREFETCH`, DEFAULT_RPC_PREFETCH, {
      min: 1,
      max: 1000,
    }),
  };
}
