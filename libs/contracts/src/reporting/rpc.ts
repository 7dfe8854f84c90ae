import { deadLetterOperationsOf } from '../dead-letters';
import { ByIdQuery } from '../rpc-data';
import { NoData, answers, rpcOperationsOf, type ServiceHealth } from '../rpc';
import {
  ListReportsQueryDto,
  ReportFileChunkQuery,
  RequestReportDto,
  type ReportFileChunk,
  type ReportPage,
  type ReportView,
} from './report.dto';
import { RebuildReadModelCommand, type RebuildResult } from './rebuild';
import { CustomerReportsQuery, type CustomerReportPage } from './report-audit.dto';

/*
 * The reporting service's RPC contract: its health and dead letters like every service, and the
 * report jobs (issue #15).
 */
const { query, write } = rpcOperationsOf('reporting');

export const REPORTING = {
  health: query('reporting.health', NoData, answers<ServiceHealth>()),
  deadLetters: deadLetterOperationsOf('reporting'),
  /** Records a report job and triggers it; answers the job, queued. */
  requestReport: write('reporting.report.request', RequestReportDto, answers<ReportView>()),
  getReport: query('reporting.report.get', ByIdQuery, answers<ReportView>()),
  /** The caller's own reports, newest first. */
  listReports: query('reporting.report.list', ListReportsQueryDto, answers<ReportPage>()),
  /** One chunk of a done report's file (409 before done, 410 once expired or erased). */
  reportFile: query('reporting.report.file', ReportFileChunkQuery, answers<ReportFileChunk>()),
  /**
   * Cancels a queued or running report, or deletes a done one's file and the report (its row
   * stays, `deleted`, for the report audit).
   */
  deleteReport: write('reporting.report.delete', ByIdQuery, answers<{ deleted: true }>()),
  /**
   * The report audit (admin): the reports whose manifest names the customer, newest first, with
   * who downloaded each when; another tenant's customer, an empty page.
   */
  customerReports: query(
    'reporting.audit.customer-reports',
    CustomerReportsQuery,
    answers<CustomerReportPage>(),
  ),
  /**
   * Internal (no gateway route; `npm run reporting:rebuild`): pages one tenant's read model again
   * from the owners while events keep arriving (services/reporting/README.md, "Rebuild").
   */
  rebuild: query('reporting.rebuild', RebuildReadModelCommand, answers<RebuildResult>()),
};
