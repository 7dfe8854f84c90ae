import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServiceDataSource } from '@kanta/database';
import { MessagingModule } from '@kanta/messaging';
import { jobsRootOptions } from '@kanta/platform';
import type { CustomersAppOptions } from './app-options';
import { CustomersController } from './customers/customers.controller';
import { CustomersRepository } from './customers/customers.repository';
import { CustomersService } from './customers/customers.service';
import { CUSTOMERS_SCHEMA, customersSchema } from './database/schema';
import { DUPLICATE_SCAN_QUEUE } from './duplicates/duplicate-scan.job';
import { DuplicateScanProcessor } from './duplicates/duplicate-scan.processor';
import { DuplicatesController } from './duplicates/duplicates.controller';
import { DuplicatesRepository } from './duplicates/duplicates.repository';
import { DuplicatesService } from './duplicates/duplicates.service';
import { FieldRulesController } from './field-rules/field-rules.controller';
import { FieldRulesRepository } from './field-rules/field-rules.repository';
import { FieldRulesService } from './field-rules/field-rules.service';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { LabelsController } from './labels/labels.controller';
import { LabelsRepository } from './labels/labels.repository';
import { LabelsService } from './labels/labels.service';
import { DEVELOPMENT_KEYS, SensitiveData } from './sensitive/sensitive-data';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_JOBS_PREFIX = 'kanta:jobs';

/**
 * The customers service: RPC handlers on its command queue, `GET /health` over HTTP, and the
 * outbox relay that publishes its events, and
 * the worker of its BullMQ queues.
 */
@Module({})
export class AppModule {
  static forRoot(options: CustomersAppOptions): DynamicModule {
    const dataSource = createServiceDataSource({
      ...customersSchema,
      settings: options.postgres,
      poolSize: options.dbPoolSize,
    });
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1, retryDelay: 1000 }),
        MessagingModule.forRoot({
          service: 'customers',
          schema: CUSTOMERS_SCHEMA,
          amqpUrl: options.amqpUrl,
          relay: options.relay === false ? false : undefined,
        }),
        BullModule.forRoot(
          jobsRootOptions(
            options.redisUrl ?? DEFAULT_REDIS_URL,
            options.jobsPrefix ?? DEFAULT_JOBS_PREFIX,
          ),
        ),
        BullModule.registerQueue({ name: DUPLICATE_SCAN_QUEUE }),
      ],
      controllers: [
        CustomersController,
        DuplicatesController,
        FieldRulesController,
        LabelsController,
        HealthController,
      ],
      providers: [
        {
          provide: SensitiveData,
          useValue: new SensitiveData(options.sensitiveDataKeys ?? DEVELOPMENT_KEYS),
        },
        CustomersRepository,
        LabelsRepository,
        LabelsService,
        CustomersService,
        DuplicatesRepository,
        DuplicatesService,
        DuplicateScanProcessor,
        FieldRulesRepository,
        FieldRulesService,
        HealthService,
      ],
      exports: [CustomersService, FieldRulesService],
    };
  }
}
