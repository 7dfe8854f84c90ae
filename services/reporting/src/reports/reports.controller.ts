import { Controller } from '@nestjs/common';
import {
  REPORTING,
  type ByIdQuery,
  type CallerContext,
  type ListReportsQueryDto,
  type ReportFileChunk,
  type ReportFileChunkQuery,
  type ReportPage,
  type ReportView,
  type RequestReportDto,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { Reports } from './reports.service';

/** The report jobs' RPC operations: thin, each hands over to Reports. */
@Controller()
export class ReportsController {
  constructor(private readonly reports: Reports) {}

  @Handles(REPORTING.requestReport)
  request(
    caller: CallerContext,
    data: RequestReportDto,
    command: WriteCommand,
  ): Promise<ReportView> {
    return this.reports.request(caller, data, command);
  }

  @Handles(REPORTING.getReport)
  get(caller: CallerContext, data: ByIdQuery): Promise<ReportView> {
    return this.reports.get(caller, data.id);
  }

  @Handles(REPORTING.listReports)
  list(caller: CallerContext, data: ListReportsQueryDto): Promise<ReportPage> {
    return this.reports.list(caller, data);
  }

  @Handles(REPORTING.reportFile)
  file(caller: CallerContext, data: ReportFileChunkQuery): Promise<ReportFileChunk> {
    return this.reports.file(caller, data.id, data.offset);
  }

  @Handles(REPORTING.deleteReport)
  delete(caller: CallerContext, data: ByIdQuery): Promise<{ deleted: true }> {
    return this.reports.delete(caller, data.id);
  }
}
