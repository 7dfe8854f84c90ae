import 'reflect-metadata';
import { readConfig, runService } from '@kanta/platform';
import { AppModule } from './app.module';
import { readReportingConfig } from './config';
import { reportingSchema } from './database/schema';

runService('reporting', () => {
  const config = readConfig(readReportingConfig);
  return {
    schema: reportingSchema,
    database: config.database,
    amqpUrl: config.infrastructure.amqpUrl,
    rpcQueue: config.rpcQueue,
    rpcPrefetch: config.rpcPrefetch,
    port: config.port,
    module: AppModule.forRoot({
      postgres: config.database.runtime,
      dbPoolSize: config.dbPoolSize,
      amqpUrl: config.infrastructure.amqpUrl,
      redisUrl: config.infrastructure.redisUrl,
      jobsPrefix: config.infrastructure.jobsPrefix,
      reportsDir: config.reportsDir,
      reportsPerTenant: config.reportsPerTenant,
      reportSweepIntervalMs: config.reportSweepIntervalMs,
      rebuild: config.rebuild,
      catchUp: config.catchUp,
    }),
  };
});
