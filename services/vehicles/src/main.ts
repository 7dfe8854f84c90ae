import 'reflect-metadata';
import { readConfig, runService } from '@kanta/platform';
import { AppModule } from './app.module';
import { readVehiclesConfig } from './config';
import { vehiclesSchema } from './database/schema';

runService('vehicles', () => {
  const config = readConfig(readVehiclesConfig);
  return {
    schema: vehiclesSchema,
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
