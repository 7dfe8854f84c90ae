import 'reflect-metadata';
import { readConfig, runService } from '@kanta/platform';
import { AppModule } from './app.module';
import { readConsentsConfig } from './config';
import { consentsSchema } from './database/schema';

runService('consents', () => {
  const config = readConfig(readConsentsConfig);
  return {
    schema: consentsSchema,
    database: config.database,
    amqpUrl: config.infrastructure.amqpUrl,
    rpcQueue: config.rpcQueue,
    rpcPrefetch: config.rpcPrefetch,
    port: config.port,
    module: AppModule.forRoot({
      postgres: config.database.runtime,
      dbPoolSize: config.dbPoolSize,
      amqpUrl: config.infrastructure.amqpUrl,
      customerWaitMs: config.customerWaitMs,
    }),
  };
});
