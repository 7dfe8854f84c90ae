import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RPC_QUEUES } from '@kanta/contracts';
import { createServiceDataSource } from '@kanta/database';
import {
  MessagingModule,
  ServiceHealthCheck,
  deadLettersController,
  serviceHealthController,
} from '@kanta/messaging';
import type { ReportingAppOptions } from './app-options';
import { REPORTING_SCHEMA, reportingSchema } from './database/schema';
import { CustomerErasure } from './erasure/customer-erasure';
import { CustomerMerges } from './merge/customer-merges';
import { ReadModelConsumer } from './read-model/read-model.consumer';
import { ReadModelRepository } from './read-model/read-model.repository';
import { REBUILD_OPTIONS, ReadModelRebuild } from './rebuild/read-model-rebuild';
import { RebuildController } from './rebuild/rebuild.controller';

/**
 * The reporting service (issue #15): a read model of what the back office's reports print and
 * filter on, fed by the other services' events (the customers service's reporting stream, the
 * vehicles and consents services' events) and following erasures and merges as a participant of
 * both sagas. Report jobs and files come next.
 */
/** The owners' queues without a prefix, no rebuild at start (tests that build the options). */
const defaultRebuild = {
  queues: {
    customers: RPC_QUEUES.customers,
    vehicles: RPC_QUEUES.vehicles,
    consents: RPC_QUEUES.consents,
  },
  timeoutMs: 30_000,
  pageSize: 500,
  atStart: false,
};

@Module({})
export class AppModule {
  static forRoot(options: ReportingAppOptions): DynamicModule {
    const dataSource = createServiceDataSource({
      ...reportingSchema,
      settings: options.postgres,
      poolSize: options.dbPoolSize,
    });
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1, retryDelay: 1000 }),
        MessagingModule.forRoot({
          service: 'reporting',
          schema: REPORTING_SCHEMA,
          amqpUrl: options.amqpUrl,
          ...options.messaging,
        }),
      ],
      controllers: [
        serviceHealthController('reporting'),
        deadLettersController('reporting'),
        RebuildController,
      ],
      providers: [
        ReadModelRepository,
        ReadModelConsumer,
        CustomerErasure,
        CustomerMerges,
        ServiceHealthCheck,
        {
          provide: REBUILD_OPTIONS,
          useValue: { amqpUrl: options.amqpUrl, ...(options.rebuild ?? defaultRebuild) },
        },
        ReadModelRebuild,
      ],
    };
  }
}
