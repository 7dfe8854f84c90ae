import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DATA_EXPORT_RETENTION_DAYS, RPC_QUEUES } from '@kanta/contracts';
import { createServiceDataSource } from '@kanta/database';
import {
  KnownCustomers,
  MessagingModule,
  ServiceHealthCheck,
  deadLettersController,
  outboxMarkController,
  serviceHealthController,
} from '@kanta/messaging';
import { jobsRootOptions } from '@kanta/platform';
import type { PrivacyAppOptions } from './app-options';
import { AccessLogRepository } from './audit/access-log.repository';
import { AccessLog } from './audit/access-log.service';
import { AccessRecords } from './audit/access-records.consumer';
import { PRIVACY_SCHEMA, privacySchema } from './database/schema';
import { DeletionDueProcessor } from './deletions/deletion-due.processor';
import { DELETIONS_QUEUE, DeletionJobs } from './deletions/deletion-jobs';
import { DeletionRequestsRepository } from './deletions/deletion-requests.repository';
import { DeletionRequests } from './deletions/deletion-requests.service';
import { DELETION_SWEEP_INTERVAL, DeletionSweep } from './deletions/deletion-sweep';
import { DueDeletions } from './deletions/due-deletions';
import { ErasureAnswers } from './erasures/erasure-answers.consumer';
import { ErasuresRepository } from './erasures/erasures.repository';
import { CUSTOMER_WAIT_MS, Erasures } from './erasures/erasures.service';
import { RETENTION_SWEEP_DEFAULT_MS } from './config';
import { CustomerLocks } from './merges/customer-locks';
import { MergeAnswers } from './merges/merge-answers.consumer';
import { MergesRepository } from './merges/merges.repository';
import { MERGE_ANSWER_WAIT_MS, Merges } from './merges/merges.service';
import { DataExportsRepository } from './exports/data-exports.repository';
import { DataExports } from './exports/data-exports.service';
import { EXPORTS_QUEUE, ExportJobs } from './exports/export-jobs';
import { ExportProcessor } from './exports/export.processor';
import { EXPORT_RETENTION_DAYS, ExportRun } from './exports/export-run';
import { EXPORT_SOURCES_OPTIONS, ExportSources } from './exports/export-sources';
import { EXPORT_SWEEP_INTERVAL, ExportSweep } from './exports/export-sweep';
import { PrivacyController } from './privacy.controller';
import { DueRetention } from './retention/due-retention';
import { RetentionFacts } from './retention/retention-facts.consumer';
import { RetentionRepository } from './retention/retention.repository';
import { Retention } from './retention/retention.service';
import { RETENTION_SWEEP_INTERVAL, RetentionSweep } from './retention/retention-sweep';

/**
 * The privacy service: it records erasures, deletion requests, merges and data hand-overs,
 * asks every service that holds something of the customer to
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
    const jobs = jobsRootOptions(options.redisUrl, options.jobsPrefix);
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
        BullModule.forRoot(jobs),
        BullModule.registerQueue({
          name: DELETIONS_QUEUE,
          // Requests only add jobs: while Redis is away an add fails at once (the sweep covers
          // it) instead of waiting in ioredis' offline queue.
          connection: { ...jobs.connection, enableOfflineQueue: false },
        }),
        BullModule.registerQueue({
          name: EXPORTS_QUEUE,
          connection: { ...jobs.connection, enableOfflineQueue: false },
        }),
      ],
      controllers: [
        PrivacyController,
        serviceHealthController('privacy'),
        deadLettersController('privacy'),
        outboxMarkController('privacy'),
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
        { provide: MERGE_ANSWER_WAIT_MS, useValue: options.mergeAnswerWaitMs ?? 3000 },
        MergesRepository,
        CustomerLocks,
        Merges,
        MergeAnswers,
        { provide: DELETION_SWEEP_INTERVAL, useValue: options.deletionSweepIntervalMs ?? 60_000 },
        DeletionRequestsRepository,
        DeletionRequests,
        DeletionJobs,
        DueDeletions,
        DeletionDueProcessor,
        DeletionSweep,
        {
          provide: RETENTION_SWEEP_INTERVAL,
          useValue: options.retentionSweepIntervalMs ?? RETENTION_SWEEP_DEFAULT_MS,
        },
        RetentionRepository,
        RetentionFacts,
        Retention,
        DueRetention,
        RetentionSweep,
        AccessLogRepository,
        AccessLog,
        AccessRecords,
        {
          provide: EXPORT_SOURCES_OPTIONS,
          useValue: {
            amqpUrl: options.amqpUrl,
            queues: options.exportSources ?? {
              customers: RPC_QUEUES.customers,
              vehicles: RPC_QUEUES.vehicles,
              consents: RPC_QUEUES.consents,
            },
            timeoutMs: options.exportRpcTimeoutMs ?? 30_000,
          },
        },
        {
          provide: EXPORT_RETENTION_DAYS,
          useValue: options.exportRetentionDays ?? DATA_EXPORT_RETENTION_DAYS,
        },
        { provide: EXPORT_SWEEP_INTERVAL, useValue: options.exportSweepIntervalMs ?? 60_000 },
        DataExportsRepository,
        DataExports,
        ExportSources,
        ExportJobs,
        ExportRun,
        ExportProcessor,
        ExportSweep,
        ServiceHealthCheck,
      ],
    };
  }
}
