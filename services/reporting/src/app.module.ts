import { BullModule } from '@nestjs/bullmq';
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
import { jobsRootOptions } from '@kanta/platform';
import type { ReportingAppOptions } from './app-options';
import { REPORTING_SCHEMA, reportingSchema } from './database/schema';
import { OutboxMarks, OutboxMarksConsumer } from './catch-up/outbox-marks';
import { CATCH_UP_OPTIONS, ReportCatchUp } from './catch-up/report-catch-up';
import { CustomerErasure } from './erasure/customer-erasure';
import { CustomerMerges } from './merge/customer-merges';
import { ReadModelConsumer } from './read-model/read-model.consumer';
import { ReadModelRepository } from './read-model/read-model.repository';
import { REPORT_DEFINITIONS, ReportCatalogue } from './reports/report-catalogue';
import { REPORTS_DIR, ReportFiles } from './reports/report-files';
import { REPORTS_PER_TENANT, REPORTS_QUEUE, ReportJobs } from './reports/report-jobs';
import { ReportAudit } from './reports/report-audit';
import { ReportAuditController } from './reports/report-audit.controller';
import { ReportAuditRepository } from './reports/report-audit.repository';
import { REPORT_LEASE_DATABASE, ReportLeases } from './reports/report-leases';
import { ReportJobsRepository } from './reports/report-jobs.repository';
import { ReportRun } from './reports/report-run';
import { ReportSettings } from './reports/report-settings';
import { StationNames } from './reports/station-names';
import { REPORT_JOB_GRACE, REPORT_SWEEP_INTERVAL, ReportSweep } from './reports/report-sweep';
import { ReportProcessor } from './reports/report.processor';
import { ReportsController } from './reports/reports.controller';
import { Reports } from './reports/reports.service';
import { REBUILD_OPTIONS, ReadModelRebuild } from './rebuild/read-model-rebuild';
import { RebuildController } from './rebuild/rebuild.controller';

/**
 * The reporting service (issue #15): a read model of what the back office's reports print and
 * filter on, fed by the other services' events (the customers service's reporting stream, the
 * vehicles and consents services' events) and following erasures and merges as a participant of
 * both sagas; and the report jobs written from it into files (src/reports).
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
    const jobs = jobsRootOptions(options.redisUrl, options.jobsPrefix);
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1, retryDelay: 1000 }),
        MessagingModule.forRoot({
          service: 'reporting',
          schema: REPORTING_SCHEMA,
          amqpUrl: options.amqpUrl,
          commandLog: true,
          ...options.messaging,
        }),
        BullModule.forRoot(jobs),
        BullModule.registerQueue({
          name: REPORTS_QUEUE,
          // Requests only add jobs: while Redis is away an add fails at once (the sweep covers
          // it) instead of waiting in ioredis' offline queue.
          connection: { ...jobs.connection, enableOfflineQueue: false },
        }),
      ],
      controllers: [
        ReportsController,
        ReportAuditController,
        RebuildController,
        serviceHealthController('reporting'),
        deadLettersController('reporting'),
      ],
      providers: [
        ReadModelRepository,
        ReadModelConsumer,
        CustomerErasure,
        CustomerMerges,
        { provide: REPORTS_DIR, useValue: options.reportsDir },
        { provide: REPORTS_PER_TENANT, useValue: options.reportsPerTenant ?? 2 },
        { provide: REPORT_SWEEP_INTERVAL, useValue: options.reportSweepIntervalMs ?? 60_000 },
        { provide: REPORT_JOB_GRACE, useValue: options.reportJobGrace ?? '1 minute' },
        ReportFiles,
        { provide: REPORT_LEASE_DATABASE, useValue: options.postgres },
        ReportLeases,
        ReportJobsRepository,
        ReportJobs,
        ...REPORT_DEFINITIONS,
        ReportCatalogue,
        ReportRun,
        ReportSettings,
        StationNames,
        ReportProcessor,
        ReportSweep,
        Reports,
        ReportAuditRepository,
        ReportAudit,
        ServiceHealthCheck,
        {
          provide: REBUILD_OPTIONS,
          useValue: { amqpUrl: options.amqpUrl, ...(options.rebuild ?? defaultRebuild) },
        },
        ReadModelRebuild,
        {
          provide: CATCH_UP_OPTIONS,
          useValue: {
            amqpUrl: options.amqpUrl,
            ...(options.catchUp ?? { sources: {}, timeoutMs: 30_000 }),
          },
        },
        OutboxMarks,
        OutboxMarksConsumer,
        ReportCatchUp,
      ],
    };
  }
}
