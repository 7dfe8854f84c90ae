import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { createServiceDataSource } from '@kanta/database';
import { CUSTOMERS_OPTIONS, type CustomersAppOptions } from './app-options';
import { CustomersController } from './customers/customers.controller';
import { CustomersRepository } from './customers/customers.repository';
import { CustomersService } from './customers/customers.service';
import { customersSchema } from './database/schema';
import { FieldRulesController } from './field-rules/field-rules.controller';
import { FieldRulesRepository } from './field-rules/field-rules.repository';
import { FieldRulesService } from './field-rules/field-rules.service';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';

/** The customers service: RPC handlers on its command queue, and `GET /health` over HTTP. */
@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(private readonly moduleRef: ModuleRef) {}

  static forRoot(options: CustomersAppOptions): DynamicModule {
    return {
      module: AppModule,
      controllers: [CustomersController, FieldRulesController, HealthController],
      providers: [
        { provide: CUSTOMERS_OPTIONS, useValue: options },
        {
          provide: DataSource,
          useFactory: async (): Promise<DataSource> => {
            const dataSource = createServiceDataSource({
              ...customersSchema,
              settings: options.postgres,
              poolSize: options.dbPoolSize,
            });
            return dataSource.initialize();
          },
        },
        CustomersRepository,
        CustomersService,
        FieldRulesRepository,
        FieldRulesService,
        HealthService,
      ],
      exports: [CustomersService, FieldRulesService, DataSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}
