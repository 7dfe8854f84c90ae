import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type {
  AuditedReportStatus,
  CustomerReportView,
  ReportDownloadView,
  ReportFormat,
  ReportType,
  Role,
} from '@kanta/contracts';

interface NamingRow {
  id: string;
  type: ReportType;
  format: ReportFormat;
  status: AuditedReportStatus;
  requested_by: string;
  requested_role: Role;
  requested_at: Date;
  completed_at: Date | null;
}

interface DownloadRow {
  report_id: string;
  user_id: string;
  role: Role;
  downloaded_at: Date;
}

/** The report audit's reads: the manifests naming a customer and the downloads of reports. */
@Injectable()
export class ReportAuditRepository {
  /**
   * The tenant's reports whose manifest names the customer, newest first (report ids are
   * UUIDv7), after the cursor's id; each with its downloads, newest first.
   */
  async naming(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    before: string | null,
    limit: number,
  ): Promise<CustomerReportView[]> {
    const reports = await manager.query<NamingRow[]>(
      `SELECT j.id, j.type, j.format, j.status, j.requested_by, j.requested_role,
              j.requested_at, j.completed_at
         FROM reporting.report_customers m
         JOIN reporting.report_jobs j ON j.tenant_id = m.tenant_id AND j.id = m.report_id
        WHERE m.tenant_id = $1 AND m.customer_id = $2 AND ($3::uuid IS NULL OR m.report_id < $3)
        ORDER BY m.report_id DESC LIMIT $4`,
      [tenantId, customerId, before, limit],
    );
    if (reports.length === 0) return [];
    const downloads = await manager.query<DownloadRow[]>(
      `SELECT report_id, user_id, role, downloaded_at FROM reporting.report_downloads
        WHERE tenant_id = $1 AND report_id = ANY($2::uuid[])
        ORDER BY id DESC`,
      [tenantId, reports.map((report) => report.id)],
    );
    const byReport = new Map<string, ReportDownloadView[]>();
    for (const row of downloads) {
      const list = byReport.get(row.report_id) ?? [];
      list.push({ userId: row.user_id, role: row.role, at: row.downloaded_at.toISOString() });
      byReport.set(row.report_id, list);
    }
    return reports.map((row) => ({
      id: row.id,
      type: row.type,
      format: row.format,
      status: row.status,
      requestedBy: row.requested_by,
      requestedRole: row.requested_role,
      requestedAt: row.requested_at.toISOString(),
      completedAt: row.completed_at?.toISOString() ?? null,
      downloads: byReport.get(row.id) ?? [],
    }));
  }
}
