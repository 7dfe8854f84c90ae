import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServiceDataSource } from '@kanta/database';
import {
  KnownCustomers,
  MessagingModule,
  ServiceHealthCheck,
  deadLettersController,
  serviceHealthController,
} from '@kanta/messaging';
import type { PrivacyAppOptions } from './app-options';
import { PRIVACY_SCHEMA, privacySchema } from './database/schema';
import { ErasureAnswers } from './erasures/erasure-answers.consumer';
import { ErasuresRepository } from './erasures/erasures.repository';
import { CUSTOMER_WAIT_MS, Erasures } from './erasures/erasures.service';
import { PrivacyController } from './privacy.controller';

/**
 * The privacy service: it records erasures (and, to come, deletion requests, merges, data
 * hand-overs and the access audit), asks every service that holds something of the customer to
 * act in its own schema through events, and keeps each one's confirmation. It learns customers
 * (ids, numbers, stations, status) from the customers service's events.
 */
@Module({})
export class AppModule {
  static forRoot(options: PrivacyAppOptions): DynamicModule {
    const dataSource = createServiceDataSource({
      ...privacySchema,
      settings: options.postgres,
      poolSize: options.dbPoolSize,
    });
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1, retryDelay: 1000 }),
        MessagingModule.forRoot({
          service: 'privacy',
          schema: PRIVACY_SCHEMA,
          amqpUrl: options.amqpUrl,
          commandLog: true,
          ...options.messaging,
        }),
      ],
      controllers: [
        PrivacyController,
        serviceHealthController('privacy'),
        deadLettersController('privacy'),
      ],
      providers: [
        { provide: CUSTOMER_WAIT_MS, useValue: options.customerWaitMs ?? 2000 },
        {
          provide: KnownCustomers,
          useValue: new KnownCustomers(PRIVACY_SCHEMA, { customerNumbers: true }),
        },
        ErasuresRepository,
        Erasures,
        ErasureAnswers,
        ServiceHealthCheck,
      ],
    };
  }
}
