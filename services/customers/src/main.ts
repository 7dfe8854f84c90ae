import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createServiceDataSource, migrateServiceSchema } from '@kanta/database';
import { connectRpcServer, createLogger, nestLogger, readConfig } from '@kanta/platform';
import { AppModule } from './app.module';
import { readCustomersConfig } from './config';
import { customersSchema } from './database/schema';

async function main(): Promise<void> {
  const logger = createLogger('customers');
  const config = readConfig(readCustomersConfig);

  const applied = await migrateServiceSchema(
    createServiceDataSource({ ...customersSchema, settings: config.postgres, poolSize: 1 }),
  );
  logger.info({ migrations: applied }, 'migrations applied');

  const app = await NestFactory.create(
    AppModule.forRoot({
      postgres: config.postgres,
      dbPoolSize: config.dbPoolSize,
      amqpUrl: config.infrastructure.amqpUrl,
      sensitiveDataKeys: config.sensitiveDataKeys,
    }),
    { logger: nestLogger(logger) },
  );
  app.enableShutdownHooks();
  connectRpcServer(
    app,
    'customers',
    {
      amqpUrl: config.infrastructure.amqpUrl,
      queue: config.rpcQueue,
      prefetchCount: config.rpcPrefetch,
    },
    logger,
  );
  await app.startAllMicroservices();
  await app.listen(config.port);
  logger.info({ port: config.port, queue: config.rpcQueue }, 'customers service started');
}

main().catch((error: unknown) => {
  createLogger('customers').fatal({ err: error }, 'customers service failed to start');
  process.exit(1);
});
