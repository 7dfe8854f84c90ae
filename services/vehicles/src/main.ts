import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createServiceDataSource, migrateServiceSchema } from '@kanta/database';
import { connectRpcServer, createLogger, nestLogger, readConfig } from '@kanta/platform';
import { AppModule } from './app.module';
import { readVehiclesConfig } from './config';
import { vehiclesSchema } from './database/schema';

async function main(): Promise<void> {
  const logger = createLogger('vehicles');
  const config = readConfig(readVehiclesConfig);

  const applied = await migrateServiceSchema(
    createServiceDataSource({ ...vehiclesSchema, settings: config.postgres, poolSize: 1 }),
  );
  logger.info({ migrations: applied }, 'migrations applied');

  const app = await NestFactory.create(
    AppModule.forRoot({
      postgres: config.postgres,
      dbPoolSize: config.dbPoolSize,
      amqpUrl: config.infrastructure.amqpUrl,
      customerWaitMs: config.customerWaitMs,
    }),
    { logger: nestLogger(logger) },
  );
  app.enableShutdownHooks();
  connectRpcServer(
    app,
    'vehicles',
    {
      amqpUrl: config.infrastructure.amqpUrl,
      queue: config.rpcQueue,
      prefetchCount: config.rpcPrefetch,
    },
    logger,
  );
  await app.startAllMicroservices();
  await app.listen(config.port);
  logger.info({ port: config.port, queue: config.rpcQueue }, 'vehicles service started');
}

main().catch((error: unknown) => {
  createLogger('vehicles').fatal({ err: error }, 'vehicles service failed to start');
  process.exit(1);
});
