import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  isUuid,
  REPORT_RETENTION_DAYS,
  type Locale,
  type ReportFormat,
  type ReportCatchUpView,
  type ReportStatus,
  type ReportType,
  type ReportView,
} from '@kanta/contracts';
import { uuidv7 } from '@kanta/platform';
import { leaseHeld } from './report-leases';

interface ReportRow {
  tenant_id: string;
  id: string;
  type: ReportType;
  format: ReportFormat;
  locale: Locale;
  time_zone: string;
  criteria: Record<string, unknown>;
  status: ReportStatus;
  requested_by: string;
  requested_role: string;
  rows_written: number;
  rows_total: number | null;
  row_count: number | null;
  error: string | null;
  freshness: Date | null;
  catch_up: ReportCatchUpView | null;
  size_bytes: string | null;
  requested_at: Date;
  completed_at: Date | null;
  expires_at: Date | null;
}

/** A report as its job runs it. */
export interface ReportJobRecord {
  tenantId: string;
  id: string;
  type: ReportType;
  format: ReportFormat;
  locale: Locale;
  timeZone: string;
  criteria: Record<string, unknown>;
  status: ReportStatus;
  requestedBy: string;
  requestedAt: Date;
  /** Set when the run has caught up, for the file to say (ReportRun). */
  freshness: Date | null;
  catchUp: ReportCatchUpView | null;
}

const COLUMNS = `tenant_id, id, type, format, locale, time_zone, criteria, status, requested_by,
  requested_role, rows_written, rows_total, row_count, error, freshness, catch_up, size_bytes,
  requested_at, completed_at, expires_at`;

export function reportView(row: ReportRow): ReportView {
  const total = row.rows_total ?? 0;
  return {
    id: row.id,
    type: row.type,
    format: row.format,
    locale: row.locale,
    criteria: row.criteria,
    status: row.status,
    progress: {
      rows: row.rows_written,
      percent:
        row.status === 'done'
          ? 100
          : total > 0
            ? Math.min(100, Math.floor((row.rows_written * 100) / total))
            : 0,
    },
    rowCount: row.row_count,
    error: row.error,
    freshness: row.freshness?.toISOString() ?? null,
    catchUp: row.catch_up,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
  };
}

function record(row: ReportRow): ReportJobRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    type: row.type,
    format: row.format,
    locale: row.locale,
    timeZone: row.time_zone,
    criteria: row.criteria,
    status: row.status,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    freshness: row.freshness,
    catchUp: row.catch_up,
  };
}

export type ClaimOutcome = { claimed: ReportJobRecord } | { busy: true } | { gone: true };

/** The report jobs and their manifests in the reporting schema. */
@Injectable()
export class ReportJobsRepository {
  async insert(
    manager: EntityManager,
    job: {
      tenantId: string;
      id: string;
      type: ReportType;
      format: ReportFormat;
      locale: Locale;
      timeZone: string;
      criteria: Record<string, unknown>;
      requestedBy: string;
      requestedRole: string;
    },
  ): Promise<ReportView> {
    const [row] = await manager.query<ReportRow[]>(
      `INSERT INTO reporting.report_jobs
         (tenant_id, id, type, format, locale, time_zone, criteria, requested_by, requested_role)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        job.tenantId,
        job.id,
        job.type,
        job.format,
        job.locale,
        job.timeZone,
        JSON.stringify(job.criteria),
        job.requestedBy,
        job.requestedRole,
      ],
    );
    return reportView(row);
  }

  async find(
    manager: EntityManager,
    tenantId: string,
    id: string,
  ): Promise<{ view: ReportView; job: ReportJobRecord } | null> {
    if (!isUuid(id)) return null;
    const rows = await manager.query<ReportRow[]>(
      `SELECT ${COLUMNS} FROM reporting.report_jobs
        WHERE tenant_id = $1 AND id = $2 AND status <> 'deleted'`,
      [tenantId, id],
    );
    return rows[0] ? { view: reportView(rows[0]), job: record(rows[0]) } : null;
  }

  /** The user's reports, newest first (ids are UUIDv7), after the cursor's id. */
  async listOf(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    before: string | null,
    limit: number,
  ): Promise<ReportView[]> {
    const rows = await manager.query<ReportRow[]>(
      `SELECT ${COLUMNS} FROM reporting.report_jobs
        WHERE tenant_id = $1 AND requested_by = $2 AND ($3::uuid IS NULL OR id < $3)
          AND status <> 'deleted'
        ORDER BY id DESC LIMIT $4`,
      [tenantId, userId, before, limit],
    );
    return rows.map(reportView);
  }

  /**
   * Takes a queued report (or a running one whose run died: no other session holds its lease,
   * ReportLeases) to run it, unless the tenant already runs `perTenant` reports (live runs:
   * their leases held): then `busy`, and the job waits its turn while other tenants' reports
   * run (per-tenant fairness). The tenant's advisory lock makes the count and the claim one step.
   * The caller holds the report's lease from session `leasePid`. The job and the sweep both
   * claim; one of them runs it.
   */
  async claim(
    manager: EntityManager,
    tenantId: string,
    id: string,
    perTenant: number,
    leasePid: number,
  ): Promise<ClaimOutcome> {
    return manager.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('reporting.report_jobs:' || $1))`, [
        tenantId,
      ]);
      const [running] = await tx.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM reporting.report_jobs
          WHERE tenant_id = $1 AND id <> $2 AND status = 'running' AND ${leaseHeld('id')}`,
        [tenantId, id],
      );
      const [rows] = await tx.query<[ReportRow[], number]>(
        `UPDATE reporting.report_jobs
            SET status = 'running', started_at = now(), rows_written = 0
          WHERE tenant_id = $1 AND id = $2 AND $3
            AND (status = 'queued' OR (status = 'running' AND NOT ${leaseHeld('id', '$4::int')}))
          RETURNING ${COLUMNS}`,
        [tenantId, id, running.count < perTenant, leasePid],
      );
      if (rows[0]) return { claimed: record(rows[0]) };
      if (running.count < perTenant) return { gone: true };
      const [open] = await tx.query<{ open: boolean }[]>(
        `SELECT status IN ('queued', 'running') AS open FROM reporting.report_jobs
          WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      );
      return open?.open ? { busy: true } : { gone: true };
    });
  }

  /** The reports the sweep runs: queued longer than `waitingFor`, or running with no live run. */
  async waiting(
    manager: EntityManager,
    waitingFor: string,
    limit: number,
  ): Promise<{ tenantId: string; id: string }[]> {
    return manager.query<{ tenantId: string; id: string }[]>(
      `SELECT tenant_id AS "tenantId", id FROM reporting.report_jobs
        WHERE (status = 'queued' AND requested_at < now() - $1::interval)
           OR (status = 'running' AND NOT ${leaseHeld('id')})
        ORDER BY requested_at LIMIT $2`,
      [waitingFor, limit],
    );
  }

  /**
   * Sets what the run found before writing: the rows to write, whether it caught up and the
   * data's freshness, which it answers; null when the report is no longer running.
   */
  async started(
    manager: EntityManager,
    tenantId: string,
    id: string,
    rowsTotal: number,
    catchUp: ReportCatchUpView,
  ): Promise<{ freshness: Date | null } | null> {
    const [rows] = await manager.query<[{ freshness: Date | null }[], number]>(
      `UPDATE reporting.report_jobs
          SET rows_total = $3, catch_up = $4,
              freshness = (SELECT max(last_event_at) FROM reporting.freshness WHERE tenant_id = $1)
        WHERE tenant_id = $1 AND id = $2 AND status = 'running'
        RETURNING freshness`,
      [tenantId, id, rowsTotal, JSON.stringify(catchUp)],
    );
    return rows[0] ?? null;
  }

  /**
   * Records a batch written: its customers in the manifest and the rows so far. False when the
   * report is no longer running (cancelled, or erased): the run stops.
   */
  async progress(
    manager: EntityManager,
    tenantId: string,
    id: string,
    rowsWritten: number,
    customerIds: string[],
  ): Promise<boolean> {
    return manager.transaction(async (tx) => {
      // Not waiting for this commit's WAL flush (a disk flush per batch of a report): a crash
      // may lose the last batches recorded, but only of a file not yet done, which is written
      // again from its start; the commit that makes a file done (done()) is flushed, and the WAL
      // is flushed in order, so every batch of a done file is durable in the manifest.
      await tx.query('SET LOCAL synchronous_commit = off');
      const [, affected] = await tx.query<[unknown, number]>(
        `UPDATE reporting.report_jobs SET rows_written = $3, started_at = now()
          WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
        [tenantId, id, rowsWritten],
      );
      if (affected === 0) return false;
      if (customerIds.length > 0) {
        await tx.query(
          `INSERT INTO reporting.report_customers (tenant_id, customer_id, report_id)
           SELECT $1, unnest($2::uuid[]), $3 ON CONFLICT DO NOTHING`,
          [tenantId, customerIds, id],
        );
      }
      return true;
    });
  }

  async done(
    manager: EntityManager,
    tenantId: string,
    id: string,
    rowCount: number,
    sizeBytes: number,
  ): Promise<boolean> {
    // Its file's days: the tenant's setting (ReportSettings), else the default.
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE reporting.report_jobs
          SET status = 'done', row_count = $3, rows_written = $3, size_bytes = $4,
              completed_at = date_trunc('milliseconds', now()),
              expires_at = date_trunc('milliseconds', now()) + make_interval(days => coalesce(
                (SELECT report_retention_days FROM reporting.tenant_settings
                  WHERE tenant_id = $1), $5))
        WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, id, rowCount, sizeBytes, REPORT_RETENTION_DAYS.default],
    );
    return affected > 0;
  }

  async failed(manager: EntityManager, tenantId: string, id: string, error: string) {
    await manager.query(
      `UPDATE reporting.report_jobs
          SET status = 'failed', error = $3, completed_at = date_trunc('milliseconds', now())
        WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, id, error],
    );
    await this.forgetManifest(manager, tenantId, id);
  }

  /** Cancels a queued or running report; false when it was neither. */
  async cancel(manager: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE reporting.report_jobs
          SET status = 'cancelled', completed_at = date_trunc('milliseconds', now())
        WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running')`,
      [tenantId, id],
    );
    if (affected > 0) await this.forgetManifest(manager, tenantId, id);
    return affected > 0;
  }

  /**
   * Deletes a finished report for its users (its file is deleted by the caller): it no longer
   * exists for them, but its row stays `deleted` with its manifest and downloads, so the report
   * audit still answers who was in it and who took it.
   */
  async delete(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    await manager.query(
      `UPDATE reporting.report_jobs SET status = 'deleted', expires_at = NULL
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
  }

  /**
   * Done reports whose days are over, made expired; answers them for their files. The manifest
   * stays: the file is gone, but the audit still says who was in it.
   */
  async expire(
    manager: EntityManager,
  ): Promise<{ tenantId: string; id: string; format: string }[]> {
    const [rows] = await manager.query<
      [{ tenantId: string; id: string; format: string }[], number]
    >(
      `UPDATE reporting.report_jobs SET status = 'expired'
        WHERE status = 'done' AND expires_at <= now()
        RETURNING tenant_id AS "tenantId", id, format`,
    );
    return rows;
  }

  /**
   * The reports naming any of the customers (a manifest row), done or being written, made
   * `erased`; answers them for their files. An erasure's part. The manifests stay, the erased
   * customers' rows too: ids only, like the access log's entries, so the report audit still
   * answers that the person was in these files, when and who took them.
   */
  async eraseNaming(
    manager: EntityManager,
    tenantId: string,
    customerIds: string[],
  ): Promise<{ id: string; format: string }[]> {
    const [rows] = await manager.query<[{ id: string; format: string }[], number]>(
      `UPDATE reporting.report_jobs j
          SET status = 'erased', expires_at = NULL
        WHERE j.tenant_id = $1 AND j.status IN ('done', 'running')
          AND j.id IN (SELECT report_id FROM reporting.report_customers
                        WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[]))
        RETURNING j.id, j.format`,
      [tenantId, customerIds],
    );
    return rows;
  }

  /** A download of the report's file begins: who, when (ids and times only), for the audit. */
  async recordDownload(
    manager: EntityManager,
    tenantId: string,
    reportId: string,
    by: { userId: string; role: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO reporting.report_downloads (tenant_id, report_id, id, user_id, role)
       VALUES ($1, $2, $3, $4, $5)`,
      [tenantId, reportId, uuidv7(), by.userId, by.role],
    );
  }

  /** A report that never had a whole file (cancelled, failed) names nobody. */
  private async forgetManifest(manager: EntityManager, tenantId: string, id: string) {
    await manager.query(
      'DELETE FROM reporting.report_customers WHERE tenant_id = $1 AND report_id = $2',
      [tenantId, id],
    );
  }
}
