/*
 * One run of a queued report by the reporting service's own code (ReportRun: claim, count, write
 * under a temporary name, rename, done), in a process of its own so that its peak RSS (getrusage
 * maxrss) is the report's alone: bench/report-customers.ts. The service's configuration is read
 * from the environment as its main.ts reads it; the module holds only what a run needs (no
 * consumers, HTTP, BullMQ worker or sweep), so nothing else in the process takes memory or work.
 * The run's catch-up has no source to wait for: the benchmark seeds the read model directly.
 * Arguments: tenant id, report id. Prints the outcome, times and memory as JSON.
 */
import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServiceDataSource } from '@kanta/database';
import { readConfig } from '@kanta/platform';
import { OutboxMarks } from '../../services/reporting/src/catch-up/outbox-marks';
import {
  CATCH_UP_OPTIONS,
  ReportCatchUp,
  type CatchUpOptions,
} from '../../services/reporting/src/catch-up/report-catch-up';
import { readReportingConfig, type ReportingConfig } from '../../services/reporting/src/config';
import { reportingSchema } from '../../services/reporting/src/database/schema';
import { REBUILD_OPTIONS } from '../../services/reporting/src/rebuild/read-model-rebuild';
import { CustomersReport } from '../../services/reporting/src/reports/customers-report';
import {
  REPORT_DEFINITIONS,
  ReportCatalogue,
} from '../../services/reporting/src/reports/report-catalogue';
import { REPORTS_DIR, ReportFiles } from '../../services/reporting/src/reports/report-files';
import { REPORTS_PER_TENANT } from '../../services/reporting/src/reports/report-jobs';
import { ReportJobsRepository } from '../../services/reporting/src/reports/report-jobs.repository';
import {
  REPORT_LEASE_DATABASE,
  ReportLeases,
} from '../../services/reporting/src/reports/report-leases';
import { ReportRun } from '../../services/reporting/src/reports/report-run';

export interface ReportChildResult {
  outcome: string;
  /** ReportRun.run from claim to done. */
  seconds: number;
  /** Of which the count (the matches' ids over RPC, then the rows to write). */
  countSeconds: number;
  maxRssMb: number;
  /** RSS after the module started, before the run. */
  restRssMb: number;
}

const NO_CATCH_UP: CatchUpOptions = { amqpUrl: '', sources: {}, timeoutMs: 0 };

@Module({})
class ReportRunModule {
  static forRoot(config: ReportingConfig): DynamicModule {
    const dataSource = createServiceDataSource({
      ...reportingSchema,
      settings: config.database.runtime,
      poolSize: config.dbPoolSize,
    });
    return {
      module: ReportRunModule,
      imports: [TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1 })],
      providers: [
        { provide: REPORTS_DIR, useValue: config.reportsDir },
        { provide: REPORTS_PER_TENANT, useValue: config.reportsPerTenant },
        {
          provide: REBUILD_OPTIONS,
          useValue: { amqpUrl: config.infrastructure.amqpUrl, ...config.rebuild },
        },
        // No source to catch up with: the benchmark fills the read model itself (as registry-csv).
        { provide: CATCH_UP_OPTIONS, useValue: NO_CATCH_UP },
        OutboxMarks,
        ReportCatchUp,
        // The run's lease, on a connection of its own, as in the service.
        { provide: REPORT_LEASE_DATABASE, useValue: config.database.runtime },
        ReportLeases,
        ReportFiles,
        ReportJobsRepository,
        ...REPORT_DEFINITIONS,
        ReportCatalogue,
        ReportRun,
      ],
    };
  }
}

async function child(tenantId: string, reportId: string): Promise<void> {
  const config = readConfig(readReportingConfig);
  const app = await NestFactory.createApplicationContext(ReportRunModule.forRoot(config), {
    logger: ['warn', 'error'],
  });
  const restRssMb = process.memoryUsage().rss / 1024 / 1024;
  // The count's time, for where the run's time goes; the count itself is the report's own.
  const report = app.get(CustomersReport);
  const count = report.count.bind(report);
  let countSeconds = 0;
  report.count = async (job) => {
    const started = process.hrtime.bigint();
    const rows = await count(job);
    countSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    return rows;
  };
  const started = process.hrtime.bigint();
  const outcome = await app.get(ReportRun).run(tenantId, reportId);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: ReportChildResult = {
    outcome,
    seconds,
    countSeconds,
    // getrusage's ru_maxrss, in kilobytes on Linux.
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    restRssMb,
  };
  await app.close();
  console.log(JSON.stringify(result));
}

child(process.argv[2], process.argv[3]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
