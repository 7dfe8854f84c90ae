import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createServiceDataSource, migrateServiceSchema } from '@kanta/database';
import { connectRpcServer, createLogger, nestLogger, readConfig } from '@kanta/platform';
import { AppModule } from './app.module';
import { readConsentsConfig } from './config';
import { consentsSchema } from './database/schema';

async function main(): Promise<void> {
  const logger = createLogger('consents');
  const config = readConfig(readConsentsConfig);

  const applied = await migrateServiceSchema(
    createServiceDataSource({ ...consentsSchema, settings: config.postgres, poolSize: 1 }),
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
    'consents',
    {
      amqpUrl: config.infrastructure.amqpUrl,
      queue: config.rpcQueue,
      prefetchCount: config.rpcPrefetch,
    },
    logger,
  );
  await app.startAllMicroservices();
  await app.listen(config.port);
  logger.info({ port: config.port, queue: config.rpcQueue }, 'consents service started');
}

main().catch((error: unknown) => {
  createLogger('consents').fatal({ err: error }, 'consents service failed to start');
  process.exit(1);
});
