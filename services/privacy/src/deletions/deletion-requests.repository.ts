import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DeletionChannel, DeletionRequestView, DeletionStatus } from '@kanta/contracts';

export interface DeletionRow {
  tenant_id: string;
  id: string;
  customer_id: string;
  channel: DeletionChannel;
  requested_by: string;
  requested_at: Date;
  due_at: Date;
  status: DeletionStatus;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  erasure_id: string | null;
  /** The request that recorded it: its erasure, when due, carries it on. */
  correlation_id: string | null;
}

const COLUMNS = `tenant_id, id, customer_id, channel, requested_by, requested_at, due_at, status,
  cancelled_at, cancelled_by, erasure_id, correlation_id`;

export function deletionView(row: DeletionRow): DeletionRequestView {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    channel: row.channel,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at.toISOString(),
    dueAt: row.due_at.toISOString(),
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    cancelledBy: row.cancelled_by,
    erasureId: row.erasure_id,
  };
}

/** Deletion requests in the privacy schema. */
@Injectable()
export class DeletionRequestsRepository {
  /** Records a pending request due `graceDays` days from now (the database's clock). */
  async insert(
    manager: EntityManager,
    request: {
      tenantId: string;
      id: string;
      customerId: string;
      channel: DeletionChannel;
      requestedBy: string;
      graceDays: number;
      correlationId: string;
    },
  ): Promise<DeletionRow> {
    const [row] = await manager.query<DeletionRow[]>(
      `INSERT INTO privacy.deletion_requests
         (tenant_id, id, customer_id, channel, requested_by, due_at, correlation_id)
       VALUES ($1, $2, $3, $4, $5,
               date_trunc('milliseconds', now()) + make_interval(days => $6), $7)
       RETURNING ${COLUMNS}`,
      [
        request.tenantId,
        request.id,
        request.customerId,
        request.channel,
        request.requestedBy,
        request.graceDays,
        request.correlationId,
      ],
    );
    return row;
  }

  async find(manager: EntityManager, tenantId: string, id: string): Promise<DeletionRow | null> {
    const rows = await manager.query<DeletionRow[]>(
      `SELECT ${COLUMNS} FROM privacy.deletion_requests WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /** The customer's latest request, locked when `lock`. */
  async latestOf(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    lock = false,
  ): Promise<DeletionRow | null> {
    const rows = await manager.query<DeletionRow[]>(
      `SELECT ${COLUMNS} FROM privacy.deletion_requests
        WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id DESC LIMIT 1
        ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  async cancel(
    manager: EntityManager,
    tenantId: string,
    id: string,
    userId: string,
  ): Promise<DeletionRow> {
    const [[row]] = await manager.query<[DeletionRow[], number]>(
      `UPDATE privacy.deletion_requests
          SET status = 'cancelled', cancelled_at = date_trunc('milliseconds', now()),
              cancelled_by = $3
        WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, id, userId],
    );
    return row;
  }

  /** The tenant's requests, newest first, after the cursor's id. */
  async list(
    manager: EntityManager,
    tenantId: string,
    status: DeletionStatus | undefined,
    after: string | null,
    limit: number,
  ): Promise<DeletionRow[]> {
    return manager.query<DeletionRow[]>(
      `SELECT ${COLUMNS} FROM privacy.deletion_requests
        WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
          AND ($3::uuid IS NULL OR id < $3)
        ORDER BY id DESC LIMIT $4`,
      [tenantId, status ?? null, after, limit],
    );
  }

  /**
   * Due pending requests, locked and skipped by a concurrent sweep: one request, or up to
   * `limit` of any tenant.
   */
  async lockDue(
    manager: EntityManager,
    target: { tenantId: string; id: string } | { limit: number },
  ): Promise<DeletionRow[]> {
    if ('id' in target) {
      return manager.query<DeletionRow[]>(
        `SELECT ${COLUMNS} FROM privacy.deletion_requests
          WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND due_at <= now()
          FOR UPDATE SKIP LOCKED`,
        [target.tenantId, target.id],
      );
    }
    return manager.query<DeletionRow[]>(
      `SELECT ${COLUMNS} FROM privacy.deletion_requests
        WHERE status = 'pending' AND due_at <= now()
        ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [target.limit],
    );
  }

  async markDone(
    manager: EntityManager,
    tenantId: string,
    id: string,
    erasureId: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE privacy.deletion_requests SET status = 'done', erasure_id = $3
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, erasureId],
    );
  }

  /** Pending requests not yet due, for their jobs again (after a lost Redis). */
  async pendingNotDue(manager: EntityManager, limit: number): Promise<DeletionRow[]> {
    return manager.query<DeletionRow[]>(
      `SELECT ${COLUMNS} FROM privacy.deletion_requests
        WHERE status = 'pending' AND due_at > now() ORDER BY due_at LIMIT $1`,
      [limit],
    );
  }
}
