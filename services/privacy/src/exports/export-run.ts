import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DATA_EXPORT_FORMAT,
  type AccessEntryView,
  type DataExportPart,
  type PrivacyDataExport,
} from '@kanta/contracts';
import { ProblemError } from '@kanta/platform';
import { AccessLogRepository } from '../audit/access-log.repository';
import { MergesRepository } from '../merges/merges.repository';
import { DataExportsRepository } from './data-exports.repository';
import { exportZip } from './export-file';
import { EXPORT_ATTEMPTS } from './export-jobs';
import { ExportSources } from './export-sources';

export const EXPORT_RETENTION_DAYS = Symbol('EXPORT_RETENTION_DAYS');

export type ExportOutcome = 'ready' | 'failed' | 'skipped';

/** Access log entries read at a time for the privacy part. */
const ACCESS_PAGE = 1000;

/** Thrown so that BullMQ tries the export again: a service did not answer (503, 504). */
export class ExportSourceUnavailable extends Error {
  constructor(exportId: string, part: DataExportPart, status: number) {
    super(`data export ${exportId}: ${part} answered ${status}; tried again later`);
    this.name = 'ExportSourceUnavailable';
  }
}

/**
 * Runs one data export: claims its row (the job and the sweep both may try; one runs it), asks
 * each service for its part as the admin who requested it, adds this service's own (the access
 * audit of the record), writes the ZIP into the row and makes it ready. A service that is away
 * (503, 504) puts the export back to pending for another attempt, unless this was its
 * EXPORT_ATTEMPTS-th (counted in the row, whether the job or the sweep ran it); any
 * other answer (the customer erased meanwhile: 404, 409) fails it, naming the part and status.
 * Log lines name the export's id only.
 */
@Injectable()
export class ExportRun {
  private readonly logger = new Logger('ExportRun');

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DataExportsRepository,
    private readonly sources: ExportSources,
    private readonly accessLog: AccessLogRepository,
    private readonly merges: MergesRepository,
    @Inject(EXPORT_RETENTION_DAYS) private readonly retentionDays: number,
  ) {}

  async run(tenantId: string, exportId: string): Promise<ExportOutcome> {
    const manager = this.dataSource.manager;
    const claimed = await this.repository.claim(manager, tenantId, exportId);
    if (!claimed) return 'skipped';
    const { context, customerId } = claimed;
    const lastAttempt = claimed.attempt >= EXPORT_ATTEMPTS;
    let part: DataExportPart = 'customers';
    const gathered = async <T>(next: DataExportPart, read: () => Promise<T>): Promise<T> => {
      part = next;
      const value = await read();
      await this.repository.partDone(manager, tenantId, exportId, next);
      return value;
    };
    try {
      const customers = await gathered('customers', () =>
        this.sources.customers(context, customerId),
      );
      const vehicles = await gathered('vehicles', () => this.sources.vehicles(context, customerId));
      const consents = await gathered('consents', () => this.sources.consents(context, customerId));
      const privacy = await gathered('privacy', () => this.privacyPart(tenantId, customerId));
      const file = await exportZip(
        {
          format: DATA_EXPORT_FORMAT,
          exportId,
          customerId,
          exportedAt: new Date().toISOString(),
          customers,
          vehicles,
          consents,
          privacy,
        },
        context.tenant?.locale ?? 'en',
      );
      const stored = await this.repository.ready(
        manager,
        tenantId,
        exportId,
        file,
        this.retentionDays,
      );
      return stored ? 'ready' : 'skipped';
    } catch (error) {
      const status = error instanceof ProblemError ? error.problem.status : 500;
      if (!lastAttempt && (status === 503 || status === 504)) {
        await this.repository.release(manager, tenantId, exportId);
        throw new ExportSourceUnavailable(exportId, part, status);
      }
      // The error's kind only: a message may quote a value.
      const kind = error instanceof ProblemError ? status : (error as Error).name;
      this.logger.warn(`data export ${exportId} failed: ${part}: ${kind}`);
      await this.repository.failed(manager, tenantId, exportId, `${part}: ${status}`);
      return 'failed';
    }
  }

  /**
   * This service's own part: every access audit entry naming the customer (newest first) and
   * the merges they were part of.
   */
  private async privacyPart(tenantId: string, customerId: string): Promise<PrivacyDataExport> {
    const accessLog: AccessEntryView[] = [];
    for (;;) {
      const page = await this.accessLog.list(this.dataSource.manager, tenantId, {
        customerId,
        before: accessLog.at(-1)?.id ?? null,
        limit: ACCESS_PAGE,
      });
      accessLog.push(...page);
      if (page.length < ACCESS_PAGE) break;
    }
    const merges = await this.merges.ofCustomer(this.dataSource.manager, tenantId, customerId);
    return { accessLog, merges };
  }
}
