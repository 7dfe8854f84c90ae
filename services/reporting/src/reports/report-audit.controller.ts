import { Controller } from '@nestjs/common';
import {
  REPORTING,
  type CallerContext,
  type CustomerReportPage,
  type CustomerReportsQuery,
} from '@kanta/contracts';
import { Handles } from '@kanta/platform';
import { ReportAudit } from './report-audit';

/** The report audit's RPC operation: thin, it hands over to ReportAudit. */
@Controller()
export class ReportAuditController {
  constructor(private readonly audit: ReportAudit) {}

  @Handles(REPORTING.customerReports)
  customerReports(caller: CallerContext, data: CustomerReportsQuery): Promise<CustomerReportPage> {
    return this.audit.customerReports(caller, data);
  }
}
