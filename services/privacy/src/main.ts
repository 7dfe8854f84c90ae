import 'reflect-metadata';
import { readConfig, runService } from '@kanta/platform';
import { AppModule } from './app.module';
import { readPrivacyConfig } from './config';
import { privacySchema } from './database/schema';

runService('privacy', () => {
  const config = readConfig(readPrivacyConfig);
  return {
    schema: privacySchema,
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
      redisUrl: config.infrastructure.redisUrl,
      jobsPrefix: config.infrastructure.jobsPrefix,
      deletionSweepIntervalMs: config.deletionSweepIntervalMs,
      retentionSweepIntervalMs: config.retentionSweepIntervalMs,
      exportRetentionDays: config.exportRetentionDays,
      exportSweepIntervalMs: config.exportSweepIntervalMs,
      exportRpcTimeoutMs: config.exportRpcTimeoutMs,
      exportSources: config.exportSources,
    }),
  };
});
