import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import type { PostgresSettings } from '@kanta/database';
import { CustomersRepository } from '../../customers/customers.repository';
import { DUPLICATE_SCAN_QUEUE } from '../../duplicates/duplicate-scan.job';
import { DuplicatesRepository } from '../../duplicates/duplicates.repository';
import { SensitiveDataModule, type SensitiveDataKeys } from '../../sensitive/sensitive-data';
import {
  DEFAULT_IMPORT_COMMIT_BATCH_SIZE,
  IMPORT_COMMIT_BATCH_SIZE,
  ImportCommit,
} from './import-commit';
import { ImportCommitController } from './import-commit.controller';
import { IMPORT_COMMITS_QUEUE, ImportCommitJobs } from './import-commit.jobs';
import { IMPORT_COMMIT_LEASE_DATABASE, ImportCommitLeases } from './import-commit.leases';
import { ImportCommitProcessor } from './import-commit.processor';
import { IMPORT_COMMIT_SWEEP_INTERVAL, ImportCommitSweep } from './import-commit.sweep';
import { ImportVehiclesDoneConsumer } from './import-vehicles-done.consumer';
import { ImportViews } from './import-views';

export interface ImportCommitOptions {
  postgres: PostgresSettings;
  sensitiveDataKeys?: SensitiveDataKeys;
  /** IMPORT_COMMIT_BATCH_SIZE, default 1000 rows per transaction. */
  batchSize?: number;
  /** IMPORT_COMMIT_SWEEP_INTERVAL_MS, default 30 s. */
  sweepIntervalMs?: number;
}

/** The commit of an import (issue #16): its RPC operation, job, lease, sweep and answers. */
@Module({})
export class ImportCommitModule {
  static forRoot(options: ImportCommitOptions): DynamicModule {
    return {
      module: ImportCommitModule,
      imports: [
        BullModule.registerQueue({ name: IMPORT_COMMITS_QUEUE }),
        // The full duplicate scan's queue: a commit that brought cards queues the tenant's scan.
        BullModule.registerQueue({ name: DUPLICATE_SCAN_QUEUE }),
        // The same keys as the service's: the cards it writes are sealed as any create seals them.
        SensitiveDataModule.forRoot(options.sensitiveDataKeys),
      ],
      controllers: [ImportCommitController],
      providers: [
        { provide: IMPORT_COMMIT_LEASE_DATABASE, useValue: options.postgres },
        {
          provide: IMPORT_COMMIT_BATCH_SIZE,
          useValue: options.batchSize ?? DEFAULT_IMPORT_COMMIT_BATCH_SIZE,
        },
        { provide: IMPORT_COMMIT_SWEEP_INTERVAL, useValue: options.sweepIntervalMs ?? 30_000 },
        CustomersRepository,
        DuplicatesRepository,
        ImportCommit,
        ImportCommitJobs,
        ImportCommitLeases,
        ImportCommitProcessor,
        ImportCommitSweep,
        ImportVehiclesDoneConsumer,
        ImportViews,
      ],
    };
  }
}
