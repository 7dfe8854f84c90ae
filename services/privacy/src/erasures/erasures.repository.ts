import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type {
  ErasureConfirmationView,
  ErasureParticipant,
  ErasureReason,
  ErasureView,
} from '@kanta/contracts';
import { isUuid } from '@kanta/contracts';

export interface NewErasure {
  tenantId: string;
  id: string;
  customerId: string;
  reason: ErasureReason;
  requestedBy: string;
  correlationId: string | null;
  participants: readonly ErasureParticipant[];
}

export interface ErasureState {
  customerId: string;
  correlationId: string | null;
  requestedAt: string;
  completedAt: string | null;
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/** The erasures and their confirmations, in the privacy schema. */
@Injectable()
export class ErasuresRepository {
  /** Records the erasure and one pending confirmation per participant; answers its time. */
  async insert(manager: EntityManager, erasure: NewErasure): Promise<string> {
    const [row] = await manager.query<{ requested_at: Date }[]>(
      `INSERT INTO privacy.erasures
         (tenant_id, id, customer_id, reason, requested_by, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING requested_at`,
      [
        erasure.tenantId,
        erasure.id,
        erasure.customerId,
        erasure.reason,
        erasure.requestedBy,
        erasure.correlationId,
      ],
    );
    await manager.query(
      `INSERT INTO privacy.erasure_confirmations (tenant_id, erasure_id, participant)
       SELECT $1, $2, unnest($3::text[])`,
      [erasure.tenantId, erasure.id, erasure.participants],
    );
    return row.requested_at.toISOString();
  }

  async ofCustomer(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<{ id: string } | null> {
    const rows = await manager.query<{ id: string }[]>(
      'SELECT id FROM privacy.erasures WHERE tenant_id = $1 AND customer_id = $2',
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  /** The erasure, locked for this transaction: its confirmations change one at a time. */
  async lock(manager: EntityManager, tenantId: string, id: string): Promise<ErasureState | null> {
    if (!isUuid(id)) return null;
    const rows = await manager.query<
      {
        customer_id: string;
        correlation_id: string | null;
        requested_at: Date;
        completed_at: Date | null;
      }[]
    >(
      `SELECT customer_id, correlation_id, requested_at, completed_at FROM privacy.erasures
        WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, id],
    );
    const row = rows[0];
    return row
      ? {
          customerId: row.customer_id,
          correlationId: row.correlation_id,
          requestedAt: row.requested_at.toISOString(),
          completedAt: iso(row.completed_at),
        }
      : null;
  }

  /** The participants still to answer are asked again now. */
  async markAsked(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    await manager.query(
      `UPDATE privacy.erasure_confirmations SET asked_at = date_trunc('milliseconds', now())
        WHERE tenant_id = $1 AND erasure_id = $2 AND completed_at IS NULL`,
      [tenantId, id],
    );
  }

  /**
   * Records a participant's confirmation (the first one counts; a second answer to a retry is
   * ignored) and completes the erasure when it was the last. Runs with the erasure locked.
   */
  async confirm(
    manager: EntityManager,
    tenantId: string,
    id: string,
    participant: ErasureParticipant,
    counts: Record<string, number>,
    completedAt: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE privacy.erasure_confirmations SET completed_at = $4, counts = $5
        WHERE tenant_id = $1 AND erasure_id = $2 AND participant = $3 AND completed_at IS NULL`,
      [tenantId, id, participant, completedAt, JSON.stringify(counts)],
    );
    await manager.query(
      `UPDATE privacy.erasures e SET completed_at = (
           SELECT max(completed_at) FROM privacy.erasure_confirmations c
            WHERE c.tenant_id = e.tenant_id AND c.erasure_id = e.id)
        WHERE e.tenant_id = $1 AND e.id = $2 AND e.completed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM privacy.erasure_confirmations c
                           WHERE c.tenant_id = e.tenant_id AND c.erasure_id = e.id
                             AND c.completed_at IS NULL)`,
      [tenantId, id],
    );
  }

  async view(manager: EntityManager, tenantId: string, id: string): Promise<ErasureView | null> {
    if (!isUuid(id)) return null;
    const rows = await manager.query<
      {
        id: string;
        customer_id: string;
        reason: ErasureReason;
        requested_by: string;
        requested_at: Date;
        completed_at: Date | null;
      }[]
    >(
      `SELECT id, customer_id, reason, requested_by, requested_at, completed_at
         FROM privacy.erasures WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    const row = rows[0];
    if (!row) return null;
    const confirmations = await manager.query<
      {
        participant: ErasureParticipant;
        completed_at: Date | null;
        counts: Record<string, number>;
      }[]
    >(
      `SELECT participant, completed_at, counts FROM privacy.erasure_confirmations
        WHERE tenant_id = $1 AND erasure_id = $2 ORDER BY participant`,
      [tenantId, id],
    );
    return {
      id: row.id,
      customerId: row.customer_id,
      reason: row.reason,
      status: row.completed_at === null ? 'pending' : 'completed',
      requestedBy: row.requested_by,
      requestedAt: row.requested_at.toISOString(),
      completedAt: iso(row.completed_at),
      confirmations: confirmations.map((c): ErasureConfirmationView => ({
        service: c.participant,
        status: c.completed_at === null ? 'pending' : 'completed',
        completedAt: iso(c.completed_at),
        counts: c.counts,
      })),
    };
  }
}
