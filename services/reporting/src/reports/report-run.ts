import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReportFiles } from './report-files';
import { REPORTS_PER_TENANT } from './report-jobs';
import { ReportLeases } from './report-leases';
import { ReportJobsRepository, type ReportJobRecord } from './report-jobs.repository';
import { ReportCatalogue } from './report-catalogue';
import { ReportStopped } from './report-definition';
import { ReportCatchUp } from '../catch-up/report-catch-up';

export type ReportOutcome = 'done' | 'failed' | 'stopped' | 'busy' | 'skipped';

/**
 * Runs one report: claims its row (the job and the sweep both may try; one runs it, and a tenant
 * already running REPORTS_PER_TENANT reports makes it wait: `busy`), catches up with its sources
 * (ReportCatchUp), counts its rows, writes the file under a temporary name batch by batch (each
 * batch records its customers in the manifest and checks the report is still running: a cancel
 * or an erasure stops it), then renames it and makes the report done. Log lines name the
 * report's id only.
 */
@Injectable()
export class ReportRun {
  private readonly logger = new Logger('ReportRun');

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ReportJobsRepository,
    private readonly files: ReportFiles,
    private readonly leases: ReportLeases,
    private readonly catalogue: ReportCatalogue,
    private readonly catchUp: ReportCatchUp,
    @Inject(REPORTS_PER_TENANT) private readonly perTenant: number,
  ) {}

  async run(tenantId: string, reportId: string): Promise<ReportOutcome> {
    // Held while it runs and dropped with the process (ReportLeases): another live run of the
    // report makes this one skip it; a run that died leaves it to be claimed at once.
    const lease = await this.leases.take(reportId);
    if (!lease) return 'skipped';
    try {
      return await this.claimAndWrite(tenantId, reportId, lease.pid);
    } finally {
      await this.leases.release(reportId);
    }
  }

  private async claimAndWrite(
    tenantId: string,
    reportId: string,
    leasePid: number,
  ): Promise<ReportOutcome> {
    const manager = this.dataSource.manager;
    const claim = await this.repository.claim(
      manager,
      tenantId,
      reportId,
      this.perTenant,
      leasePid,
    );
    if ('busy' in claim) return 'busy';
    if ('gone' in claim) return 'skipped';
    const job = claim.claimed;
    try {
      const rows = await this.write(job);
      const size = await this.files.complete(tenantId, reportId, job.format);
      const done = await this.repository.done(manager, tenantId, reportId, rows, size);
      if (done) return 'done';
      // Cancelled or erased between the last batch and now: the file goes.
      await this.files.remove(tenantId, reportId, job.format);
      return 'stopped';
    } catch (error) {
      await this.files.remove(tenantId, reportId, job.format);
      if (error instanceof ReportStopped) return 'stopped';
      // The error's kind only: a message may quote a value.
      this.logger.warn(`report ${reportId} failed: ${(error as Error).name}`);
      await this.repository.failed(manager, tenantId, reportId, 'write-failed');
      return 'failed';
    }
  }

  private async write(job: ReportJobRecord): Promise<number> {
    const report = this.catalogue.of(job.type);
    // Everything committed before the report started is in the read model, or the report says
    // which sources it may lack (README, "Catching up").
    const catchUp = await this.catchUp.catchUp(job.tenantId, job.id);
    const total = await report.count(job);
    const manager = this.dataSource.manager;
    const started = await this.repository.started(manager, job.tenantId, job.id, total, catchUp);
    if (!started) throw new ReportStopped();
    const out = createWriteStream(await this.files.partPath(job.tenantId, job.id, job.format));
    try {
      const rows = await report.write(
        { ...job, ...started, catchUp },
        out,
        (written, customerIds) =>
          this.repository.progress(manager, job.tenantId, job.id, written, customerIds),
      );
      await finished(out);
      return rows;
    } catch (error) {
      out.destroy();
      throw error;
    }
  }
}
