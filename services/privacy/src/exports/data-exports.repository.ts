import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  DATA_EXPORT_PARTS,
  isUuid,
  type CallerContext,
  type DataExportPart,
  type DataExportStatus,
  type DataExportView,
} from '@kanta/contracts';

interface DataExportRow {
  tenant_id: string;
  id: string;
  customer_id: string;
  status: DataExportStatus;
  parts_done: DataExportPart[];
  failure: string | null;
  requested_by: string;
  requested_at: Date;
  completed_at: Date | null;
  expires_at: Date | null;
  size_bytes: number | null;
}

/** An export the job is to run: whom it is about and the context it asks the services with. */
export interface ClaimedExport {
  tenantId: string;
  id: string;
  customerId: string;
  context: CallerContext;
  /** This run's number: 1 for the first claim, the job's retries and the sweep's runs counted. */
  attempt: number;
}

const VIEW_COLUMNS = `tenant_id, id, customer_id, status, parts_done, failure, requested_by,
  requested_at, completed_at, expires_at, size_bytes`;

/** How long a running export may go without finishing before the sweep runs it again. */
export const STALE_RUN_INTERVAL = '10 minutes';

function toView(row: DataExportRow): DataExportView {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    progress: {
      done: row.parts_done.length,
      total: DATA_EXPORT_PARTS.length,
      parts: row.parts_done,
    },
    failure: row.failure,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    sizeBytes: row.size_bytes,
  };
}

/** The data exports in the privacy schema, the file in the row. */
@Injectable()
export class DataExportsRepository {
  async insert(
    manager: EntityManager,
    record: {
      tenantId: string;
      id: string;
      customerId: string;
      requestedBy: string;
      context: CallerContext;
      correlationId: string | null;
    },
  ): Promise<DataExportView> {
    const [row] = await manager.query<DataExportRow[]>(
      `INSERT INTO privacy.data_exports
         (tenant_id, id, customer_id, requested_by, context, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${VIEW_COLUMNS}`,
      [
        record.tenantId,
        record.id,
        record.customerId,
        record.requestedBy,
        JSON.stringify(record.context),
        record.correlationId,
      ],
    );
    return toView(row);
  }

  async view(manager: EntityManager, tenantId: string, id: string): Promise<DataExportView | null> {
    if (!isUuid(id)) return null;
    const rows = await manager.query<DataExportRow[]>(
      `SELECT ${VIEW_COLUMNS} FROM privacy.data_exports WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  /** The ready export's file, with its view; null when there is no such export. */
  async file(
    manager: EntityManager,
    tenantId: string,
    id: string,
  ): Promise<{ view: DataExportView; file: Buffer | null } | null> {
    if (!isUuid(id)) return null;
    const rows = await manager.query<(DataExportRow & { file: Buffer | null })[]>(
      `SELECT ${VIEW_COLUMNS}, file FROM privacy.data_exports WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ? { view: toView(rows[0]), file: rows[0].file } : null;
  }

  /**
   * Takes a pending export (or one whose run stopped without finishing) to run it: the job and
   * the sweep both claim, so one of them runs it. Each claim is an attempt, counted in the row.
   */
  async claim(manager: EntityManager, tenantId: string, id: string): Promise<ClaimedExport | null> {
    // TypeORM answers an UPDATE … RETURNING as [rows, affected].
    const [rows] = await manager.query<
      [
        {
          tenant_id: string;
          id: string;
          customer_id: string;
          context: CallerContext;
          attempts: number;
        }[],
        number,
      ]
    >(
      `UPDATE privacy.data_exports
          SET status = 'running', started_at = now(), parts_done = '{}', attempts = attempts + 1
        WHERE tenant_id = $1 AND id = $2
          AND (status = 'pending'
               OR (status = 'running' AND started_at < now() - interval '${STALE_RUN_INTERVAL}'))
        RETURNING tenant_id, id, customer_id, context, attempts`,
      [tenantId, id],
    );
    const row = rows[0];
    return row
      ? {
          tenantId: row.tenant_id,
          id: row.id,
          customerId: row.customer_id,
          context: row.context,
          attempt: row.attempts,
        }
      : null;
  }

  /**
   * Exports the sweep runs: pending for longer than `waitingFor` (their job was lost) or running
   * for longer than STALE_RUN_INTERVAL (the instance running it stopped).
   */
  async waiting(
    manager: EntityManager,
    waitingFor: string,
    limit: number,
  ): Promise<{ tenantId: string; id: string }[]> {
    return manager.query<{ tenantId: string; id: string }[]>(
      `SELECT tenant_id AS "tenantId", id FROM privacy.data_exports
        WHERE (status = 'pending' AND requested_at < now() - $1::interval)
           OR (status = 'running' AND started_at < now() - interval '${STALE_RUN_INTERVAL}')
        ORDER BY requested_at LIMIT $2`,
      [waitingFor, limit],
    );
  }

  async partDone(
    manager: EntityManager,
    tenantId: string,
    id: string,
    part: DataExportPart,
  ): Promise<void> {
    await manager.query(
      `UPDATE privacy.data_exports SET parts_done = array_append(parts_done, $3)
        WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, id, part],
    );
  }

  /**
   * Stores the file and makes the export ready until `retentionDays` from now. Nothing when the
   * export is gone meanwhile (the customer's erasure deleted it): the bytes are never stored.
   */
  async ready(
    manager: EntityManager,
    tenantId: string,
    id: string,
    file: Buffer,
    retentionDays: number,
  ): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE privacy.data_exports
          SET status = 'ready', file = $3, size_bytes = $4,
              completed_at = date_trunc('milliseconds', now()),
              expires_at = date_trunc('milliseconds', now()) + make_interval(days => $5)
        WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, id, file, file.length, retentionDays],
    );
    return affected > 0;
  }

  async failed(manager: EntityManager, tenantId: string, id: string, failure: string) {
    await manager.query(
      `UPDATE privacy.data_exports
          SET status = 'failed', failure = $3, completed_at = date_trunc('milliseconds', now())
        WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, id, failure],
    );
  }

  /** Back to pending, for its job's next attempt. */
  async release(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    await manager.query(
      `UPDATE privacy.data_exports SET status = 'pending', started_at = NULL, parts_done = '{}'
        WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, id],
    );
  }

  /** Deletes the files whose days are over; answers how many. */
  async expire(manager: EntityManager): Promise<number> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE privacy.data_exports SET status = 'expired', file = NULL
        WHERE status = 'ready' AND expires_at <= now()`,
    );
    return affected;
  }

  /**
   * Deletes the customers' exports, files and all (an erasure: the customer and those merged
   * into them); answers how many.
   */
  async deleteOfCustomers(
    manager: EntityManager,
    tenantId: string,
    customerIds: string[],
  ): Promise<number> {
    const [, affected] = await manager.query<[unknown, number]>(
      'DELETE FROM privacy.data_exports WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[])',
      [tenantId, customerIds],
    );
    return affected;
  }
}
