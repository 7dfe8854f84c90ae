import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServiceDataSource } from '@kanta/database';
import { MessagingModule } from '@kanta/messaging';
import type { CustomersAppOptions } from './app-options';
import { CustomersController } from './customers/customers.controller';
import { CustomersRepository } from './customers/customers.repository';
import { CustomersService } from './customers/customers.service';
import { CUSTOMERS_SCHEMA, customersSchema } from './database/schema';
import { FieldRulesController } from './field-rules/field-rules.controller';
import { FieldRulesRepository } from './field-rules/field-rules.repository';
import { FieldRulesService } from './field-rules/field-rules.service';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { LabelsController } from './labels/labels.controller';
import { LabelsRepository } from './labels/labels.repository';
import { LabelsService } from './labels/labels.service';
import { DEVELOPMENT_KEYS, SensitiveData } from './sensitive/sensitive-data';
import { PartnerContactsConsumer } from './partner-contacts/partner-contacts.consumer';
import { VehicleSearchConsumer } from './vehicle-search/vehicle-search.consumer';

/**
 * The customers service: RPC handlers on its command queue, `GET /health` over HTTP, and the
 * outbox relay that publishes its events.
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
          eventsExchange: options.eventsExchange,
          queuePrefix: options.queuePrefix,
        }),
      ],
      controllers: [CustomersController, FieldRulesController, LabelsController, HealthController],
      providers: [
        {
          provide: SensitiveData,
          useValue: new SensitiveData(options.sensitiveDataKeys ?? DEVELOPMENT_KEYS),
        },
        CustomersRepository,
        LabelsRepository,
        LabelsService,
        CustomersService,
        FieldRulesRepository,
        FieldRulesService,
        HealthService,
        VehicleSearchConsumer,
        PartnerContactsConsumer,
      ],
      exports: [CustomersService, FieldRulesService],
    };
  }
}
