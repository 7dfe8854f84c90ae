import 'reflect-metadata';
import { readConfig, runService } from '@kanta/platform';
import { AppModule } from './app.module';
import { readCustomersConfig } from './config';
import { customersSchema } from './database/schema';

runService('customers', () => {
  const config = readConfig(readCustomersConfig);
  return {
    schema: customersSchema,
    database: config.database,
    amqpUrl: config.infrastructure.amqpUrl,
    rpcQueue: config.rpcQueue,
    rpcPrefetch: config.rpcPrefetch,
    port: config.port,
    module: AppModule.forRoot({
      postgres: config.database.runtime,
      dbPoolSize: config.dbPoolSize,
      amqpUrl: config.infrastructure.amqpUrl,
      sensitiveDataKeys: config.sensitiveDataKeys,
      redisUrl: config.infrastructure.redisUrl,
      jobsPrefix: config.infrastructure.jobsPrefix,
      reminderSweepIntervalMs: config.reminderSweepIntervalMs,
      importsDir: config.importsDir,
      importMaxBytes: config.importMaxBytes,
      importCommit: {
        batchSize: config.importCommitBatchSize,
        sweepIntervalMs: config.importCommitSweepIntervalMs,
      },
    }),
  };
});
