import { resolve } from 'node:path';
import { ReportableCardsController } from './reporting/reportable-cards';
import { ReportableMatchesController } from './reporting/reportable-matches';
import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServiceDataSource } from '@kanta/database';
import {
  KnownStations,
  MessagingModule,
  ServiceHealthCheck,
  serviceHealthController,
  deadLettersController,
  outboxMarkController,
} from '@kanta/messaging';
import { jobsRootOptions } from '@kanta/platform';
import type { CustomersAppOptions } from './app-options';
import { CustomersController } from './customers/customers.controller';
import { CustomersRepository } from './customers/customers.repository';
import { CustomerCardRules } from './customers/card-rules';
import { CustomerCards } from './customers/customer-cards';
import { CustomerDataExports } from './customers/customer-data-export';
import { CustomerCreation } from './customers/creation/customer-creation';
import { CustomerSearch } from './customers/search/customer-search';
import { CustomerUpdate } from './customers/update/customer-update';
import { GroupMembership } from './customers/update/group-membership';
import { CUSTOMERS_SCHEMA, customersSchema } from './database/schema';
import { DUPLICATE_SCAN_QUEUE } from './duplicates/duplicate-scan.job';
import { DuplicateScanProcessor } from './duplicates/duplicate-scan.processor';
import { DuplicatesController } from './duplicates/duplicates.controller';
import { DuplicatesRepository } from './duplicates/duplicates.repository';
import { DuplicatesService } from './duplicates/duplicates.service';
import { CustomerErasure } from './erasure/customer-erasure';
import { ErasureRepository } from './erasure/erasure.repository';
import { CustomerMerge } from './merge/customer-merge';
import { MergeRepository } from './merge/merge.repository';
import { FieldRulesController } from './field-rules/field-rules.controller';
import { FieldRulesRepository } from './field-rules/field-rules.repository';
import { FieldRulesService } from './field-rules/field-rules.service';
import { MarketingConsentsConsumer } from './consents/marketing-consents.consumer';
import { DeletionRequestsConsumer } from './erasure/deletion-requests.consumer';
import { LabelsController } from './labels/labels.controller';
import { LabelsRepository } from './labels/labels.repository';
import { LabelsService } from './labels/labels.service';
import { SensitiveDataModule } from './sensitive/sensitive-data';
import { RemindersModule } from './reminders/reminders.module';
import { PartnerContactsConsumer } from './partner-contacts/partner-contacts.consumer';
import { ImportCommitModule } from './imports/commit/import-commit.module';
import { VehicleSearchConsumer } from './vehicle-search/vehicle-search.consumer';
import { ImportDryRun } from './imports/dry-run/import-dry-run';
import { ImportPlanner } from './imports/dry-run/import-planner';
import { IMPORT_PLAN_SWEEP_INTERVAL, ImportPlanSweep } from './imports/dry-run/import-plan.sweep';
import { IMPORTS_DIR, ImportFiles } from './imports/import-files';
import { IMPORTS_QUEUE, ImportJobs } from './imports/import-jobs';
import { IMPORT_LEASE_DATABASE, ImportLeases } from './imports/import-leases';
import { IMPORT_FILE_READER } from './imports/import-reader';
import { importFileReader } from './imports/import-file-reader';
import { ImportProcessor } from './imports/import.processor';
import { ImportsController } from './imports/imports.controller';
import { ImportsRepository } from './imports/imports.repository';
import { DEFAULT_IMPORT_MAX_BYTES, IMPORT_MAX_BYTES, Imports } from './imports/imports.service';

/**
 * The customers service: RPC handlers on its command queue, `GET /health` over HTTP, the
 * outbox relay that publishes its events, and the workers of its BullMQ queues (reminders,
 * duplicate scans, imports) with the reminder sweep.
 */
@Module({})
export class AppModule {
  static forRoot(options: CustomersAppOptions): DynamicModule {
    const dataSource = createServiceDataSource({
      ...customersSchema,
      settings: options.postgres,
      poolSize: options.dbPoolSize,
    });
    const jobs = jobsRootOptions(options.redisUrl, options.jobsPrefix);
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1, retryDelay: 1000 }),
        MessagingModule.forRoot({
          service: 'customers',
          schema: CUSTOMERS_SCHEMA,
          amqpUrl: options.amqpUrl,
          // The reporting stream carries the reportable fields of a card (names, contacts):
          // once the reporting service has them, this outbox keeps no copy an erasure could miss.
          relay:
            options.relay === false
              ? false
              : // So do an import's vehicles batches (plates beside customer ids, nested where
                // an erasure's search of the outbox by customerId would not find them).
                {
                  forgetPublished: ['customers.customer.reportable.', 'customers.import.vehicles.'],
                },
          commandLog: true,
          waiting: [{ table: 'erased_contacts', since: 'erased_at', expiresQuietly: true }],
          ...options.messaging,
        }),
        SensitiveDataModule.forRoot(options.sensitiveDataKeys),
        BullModule.forRoot(jobs),
        RemindersModule.forRoot({
          connection: jobs.connection,
          sweepIntervalMs: options.reminderSweepIntervalMs,
        }),
        BullModule.registerQueue({ name: DUPLICATE_SCAN_QUEUE }),
        ImportCommitModule.forRoot({
          postgres: options.postgres,
          sensitiveDataKeys: options.sensitiveDataKeys,
          ...options.importCommit,
        }),
        BullModule.registerQueue({ name: IMPORTS_QUEUE }),
      ],
      controllers: [
        CustomersController,
        DuplicatesController,
        FieldRulesController,
        LabelsController,
        ImportsController,
        ReportableCardsController,
        ReportableMatchesController,
        serviceHealthController('customers'),
        deadLettersController('customers'),
        outboxMarkController('customers'),
      ],
      providers: [
        { provide: KnownStations, useValue: new KnownStations(CUSTOMERS_SCHEMA) },
        MarketingConsentsConsumer,
        DeletionRequestsConsumer,
        CustomersRepository,
        LabelsRepository,
        LabelsService,
        CustomerCardRules,
        CustomerCards,
        CustomerDataExports,
        CustomerCreation,
        CustomerUpdate,
        GroupMembership,
        CustomerSearch,
        DuplicatesRepository,
        DuplicatesService,
        DuplicateScanProcessor,
        FieldRulesRepository,
        FieldRulesService,
        ServiceHealthCheck,
        VehicleSearchConsumer,
        PartnerContactsConsumer,
        ErasureRepository,
        CustomerErasure,
        MergeRepository,
        CustomerMerge,
        { provide: IMPORTS_DIR, useValue: options.importsDir ?? resolve('var/imports') },
        { provide: IMPORT_MAX_BYTES, useValue: options.importMaxBytes ?? DEFAULT_IMPORT_MAX_BYTES },
        { provide: IMPORT_LEASE_DATABASE, useValue: options.postgres },
        { provide: IMPORT_FILE_READER, useValue: options.importFileReader ?? importFileReader },
        ImportFiles,
        ImportJobs,
        ImportLeases,
        ImportsRepository,
        ImportPlanner,
        ImportDryRun,
        ImportProcessor,
        {
          provide: IMPORT_PLAN_SWEEP_INTERVAL,
          useValue: options.importSweepIntervalMs ?? 60_000,
        },
        ImportPlanSweep,
        Imports,
      ],
      exports: [FieldRulesService],
    };
  }
}
