import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  isUuid,
  type CallerContext,
  type CustomerReportPage,
  type CustomerReportsQuery,
} from '@kanta/contracts';
import { RpcProblem, idBeforeCursor, pageById, requireTenant } from '@kanta/platform';
import { ReportAuditRepository } from './report-audit.repository';

const DEFAULT_PAGE_SIZE = 25;

/**
 * The report audit, for admins: was this customer in a report, when, and who took its file. It
 * reads the manifests and the downloads of this service's own schema. A customer id that is not
 * a UUID, or another tenant's, finds nothing: an empty page, as for a customer in no report (the
 * audit does not say whether a customer exists).
 */
@Injectable()
export class ReportAudit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ReportAuditRepository,
  ) {}

  async customerReports(
    context: CallerContext,
    query: CustomerReportsQuery,
  ): Promise<CustomerReportPage> {
    const tenantId = requireTenant(context).id;
    if (context.role !== 'admin') {
      throw RpcProblem.forbidden('Only an admin may read the report audit.');
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = idBeforeCursor(query.cursor);
    if (!isUuid(query.customerId)) return { items: [], nextCursor: null };
    const rows = await this.repository.naming(
      this.dataSource.manager,
      tenantId,
      query.customerId.toLowerCase(),
      before,
      limit + 1,
    );
    return pageById(rows, limit);
  }
}
