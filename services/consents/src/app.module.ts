import { ReportablePagesController } from './reporting/reportable-pages';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServiceDataSource } from '@kanta/database';
import {
  KnownCustomers,
  MessagingModule,
  ServiceHealthCheck,
  deadLettersController,
  outboxMarkController,
  serviceHealthController,
} from '@kanta/messaging';
import type { ConsentsAppOptions } from './app-options';
import { ConsentsController } from './consents.controller';
import { ConsentDataExports } from './export/consent-data-export';
import { Contactability } from './contactability/contactability.service';
import { CUSTOMER_WAIT_MS, CustomerDirectory } from './customers/customer-directory';
import { CONSENTS_SCHEMA, consentsSchema } from './database/schema';
import { CustomerErasure } from './erasure/customer-erasure';
import { CustomerMerges } from './merge/customer-merges';
import { ConsentLedgerRepository } from './ledger/consent-ledger.repository';
import { ConsentLedger } from './ledger/consent-ledger.service';
import { ReceptionConsentsConsumer } from './ledger/reception-consents.consumer';
import { PartnerConsentsConsumer } from './partner/partner-consents.consumer';
import { CommunicationPreferences } from './preferences/communication-preferences.service';
import { ConsentTextsRepository } from './texts/consent-texts.repository';
import { ConsentTextsService } from './texts/consent-texts.service';

/**
 * The consents service: consent texts, the append-only consent ledger, communication
 * preferences and contactability, answering the gateway over RPC; it learns customers from
 * customer events, records the consents and preferences partner events carry, and publishes its
 * own events through the outbox.
 */
@Module({})
export class AppModule {
  static forRoot(options: ConsentsAppOptions): DynamicModule {
    const dataSource = createServiceDataSource({
      ...consentsSchema,
      settings: options.postgres,
      poolSize: options.dbPoolSize,
    });
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1, retryDelay: 1000 }),
        MessagingModule.forRoot({
          service: 'consents',
          schema: CONSENTS_SCHEMA,
          amqpUrl: options.amqpUrl,
          relay: options.relay === false ? false : undefined,
          commandLog: true,
          waiting: [
            { table: 'partner_pending', since: 'received_at' },
            { table: 'partner_resolutions', since: 'received_at' },
          ],
          ...options.messaging,
        }),
      ],
      controllers: [
        ConsentsController,
        ReportablePagesController,
        serviceHealthController('consents'),
        deadLettersController('consents'),
        outboxMarkController('consents'),
      ],
      providers: [
        { provide: CUSTOMER_WAIT_MS, useValue: options.customerWaitMs ?? 2000 },
        { provide: KnownCustomers, useValue: new KnownCustomers(CONSENTS_SCHEMA) },
        CustomerDirectory,
        ConsentTextsRepository,
        ConsentTextsService,
        ConsentLedgerRepository,
        ConsentLedger,
        ReceptionConsentsConsumer,
        CommunicationPreferences,
        ConsentDataExports,
        PartnerConsentsConsumer,
        Contactability,
        CustomerErasure,
        CustomerMerges,
        ServiceHealthCheck,
      ],
    };
  }
}
