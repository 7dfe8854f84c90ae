import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  problemType,
  type CallerContext,
  type ListReportsQueryDto,
  type ReportFileChunk,
  type ReportPage,
  type ReportView,
  type RequestReportDto,
} from '@kanta/contracts';
import { CommandLog } from '@kanta/messaging';
import {
  RpcProblem,
  idBeforeCursor,
  pageById,
  requireTenant,
  uuidv7,
  type WriteCommand,
} from '@kanta/platform';
import { ReportCatalogue } from './report-catalogue';
import { reportFileName } from './report-labels';
import { ReportFiles } from './report-files';
import { ReportJobs } from './report-jobs';
import { ReportJobsRepository } from './report-jobs.repository';

const DEFAULT_PAGE_SIZE = 25;
const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/**
 * Report jobs as the caller sees them: asked for (the criteria checked against the caller's
 * role), followed, listed (one's own), downloaded chunk by chunk, cancelled or deleted. A report
 * of another tenant, or for a worker another user's, does not exist for the caller (404).
 */
@Injectable()
export class Reports {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ReportJobsRepository,
    private readonly files: ReportFiles,
    private readonly jobs: ReportJobs,
    private readonly commands: CommandLog,
    private readonly catalogue: ReportCatalogue,
  ) {}

  request(
    context: CallerContext,
    data: RequestReportDto,
    command: WriteCommand,
  ): Promise<ReportView> {
    return this.commands.once(
      command,
      () => this.requestOnce(context, data, command),
      (earlier) => this.get(context, earlier.resultId as string),
    );
  }

  private async requestOnce(
    context: CallerContext,
    data: RequestReportDto,
    command: WriteCommand,
  ): Promise<ReportView> {
    const tenant = requireTenant(context);
    const criteria = await this.catalogue.criteria(context, data.type, data.criteria ?? {});
    const view = await this.dataSource.transaction(async (manager) => {
      const id = uuidv7();
      const created = await this.repository.insert(manager, {
        tenantId: tenant.id,
        id,
        type: data.type,
        format: data.format,
        locale: data.locale ?? tenant.locale,
        timeZone: tenant.timeZone,
        criteria,
        requestedBy: context.userId,
        requestedRole: context.role,
      });
      await this.commands.record(manager, command, { id });
      return created;
    });
    await this.jobs.schedule(tenant.id, view.id);
    return view;
  }

  async get(context: CallerContext, id: string): Promise<ReportView> {
    return (await this.visible(context, id)).view;
  }

  /** The report if the caller may see it: an admin the tenant's, a worker their own. */
  private async visible(context: CallerContext, id: string) {
    const found = await this.repository.find(
      this.dataSource.manager,
      requireTenant(context).id,
      id,
    );
    if (!found || (context.role === 'worker' && found.job.requestedBy !== context.userId)) {
      throw RpcProblem.notFound('Report');
    }
    return found;
  }

  async list(context: CallerContext, query: ListReportsQueryDto): Promise<ReportPage> {
    const tenantId = requireTenant(context).id;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.listOf(
      this.dataSource.manager,
      tenantId,
      context.userId,
      idBeforeCursor(query.cursor),
      limit + 1,
    );
    return pageById(rows, limit);
  }

  /** A chunk of the done report's file: 409 while it is not done, 410 once its file is gone. */
  async file(context: CallerContext, id: string, offset = '0'): Promise<ReportFileChunk> {
    const tenantId = requireTenant(context).id;
    const { view, job } = await this.visible(context, id);
    if (view.status === 'expired' || view.status === 'erased') {
      throw new RpcProblem({
        type: problemType('report-expired'),
        title: 'Report expired',
        status: 410,
        detail:
          view.status === 'expired'
            ? "The report's file was deleted when its days were over: request a new report."
            : "The report's file was deleted because a customer in it was erased: request a new report.",
      });
    }
    if (view.status !== 'done') {
      throw RpcProblem.conflict(
        'report-not-done',
        'Report not done',
        `The report is ${view.status} (${view.progress.percent} %): download it when its status is done.`,
      );
    }
    const start = /^\d{1,15}$/.test(offset) ? Number(offset) : NaN;
    if (!Number.isSafeInteger(start)) {
      throw RpcProblem.validation([
        { field: 'offset', reason: 'invalid_format', message: 'offset must be a byte position' },
      ]);
    }
    const chunk = await this.files.chunk(tenantId, id, job.format, start);
    if (!chunk) {
      throw new RpcProblem({
        type: problemType('report-expired'),
        title: 'Report expired',
        status: 410,
        detail: "The report's file is gone: request a new report.",
      });
    }
    // A download begins with its first chunk: the audit records who took the file, once.
    if (start === 0) {
      await this.repository.recordDownload(this.dataSource.manager, tenantId, id, context);
    }
    const next = start + chunk.bytes.length;
    const date = (view.completedAt ?? view.requestedAt).slice(0, 10);
    return {
      fileName: reportFileName(job.type, job.locale, date, job.format),
      contentType: CONTENT_TYPES[job.format],
      sizeBytes: chunk.size,
      chunkBase64: chunk.bytes.toString('base64'),
      nextOffset: next < chunk.size ? String(next) : null,
    };
  }

  /** Cancels a queued or running report (the run stops at its next batch); deletes any other. */
  async delete(context: CallerContext, id: string): Promise<{ deleted: true }> {
    const tenantId = requireTenant(context).id;
    const manager = this.dataSource.manager;
    const found = await this.visible(context, id);
    if (await this.repository.cancel(manager, tenantId, id)) return { deleted: true };
    await this.repository.delete(manager, tenantId, id);
    await this.files.remove(tenantId, id, found.job.format);
    return { deleted: true };
  }
}
