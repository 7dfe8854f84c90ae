import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  MERGE_UNDO_DAYS,
  isUuid,
  type MergeConfirmationView,
  type MergeParticipant,
  type MergeStatus,
  type MergeView,
} from '@kanta/contracts';

/** A merge's phases: each participant confirms the merge, and its undo if one is asked. */
export type MergePhase = 'merge' | 'undo';

export interface NewMerge {
  tenantId: string;
  id: string;
  survivorId: string;
  duplicateId: string;
  requestedBy: string;
  correlationId: string | null;
  participants: readonly MergeParticipant[];
}

export interface MergeState {
  id: string;
  survivorId: string;
  duplicateId: string;
  correlationId: string | null;
  requestedAt: string;
  completedAt: string | null;
  undoRequestedAt: string | null;
  undoneAt: string | null;
  /** Whether MERGE_UNDO_DAYS have passed since the request (the database's clock). */
  undoWindowClosed: boolean;
}

interface MergeRow {
  id: string;
  survivor_id: string;
  duplicate_id: string;
  correlation_id: string | null;
  requested_by: string;
  requested_at: Date;
  completed_at: Date | null;
  conflicts: string[];
  undo_requested_by: string | null;
  undo_requested_at: Date | null;
  undone_at: Date | null;
  undo_window_closed: boolean;
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

const COLUMNS = `id, survivor_id, duplicate_id, correlation_id, requested_by, requested_at,
  completed_at, conflicts, undo_requested_by, undo_requested_at, undone_at,
  requested_at + interval '${MERGE_UNDO_DAYS} days' < now() AS undo_window_closed`;

/**
 * A merge is in progress from its request until every participant confirmed it, and from its
 * undo's request until every participant confirmed that: meanwhile neither customer is merged
 * again or erased. `m` is the merge.
 */
const IN_PROGRESS = `(m.completed_at IS NULL
  OR (m.undo_requested_at IS NOT NULL AND m.undone_at IS NULL))`;

function stateOf(row: MergeRow): MergeState {
  return {
    id: row.id,
    survivorId: row.survivor_id,
    duplicateId: row.duplicate_id,
    correlationId: row.correlation_id,
    requestedAt: row.requested_at.toISOString(),
    completedAt: iso(row.completed_at),
    undoRequestedAt: iso(row.undo_requested_at),
    undoneAt: iso(row.undone_at),
    undoWindowClosed: row.undo_window_closed,
  };
}

function statusOf(row: MergeRow): MergeStatus {
  if (row.completed_at === null) return 'pending';
  if (row.undo_requested_at === null) return 'completed';
  return row.undone_at === null ? 'undoing' : 'undone';
}

/** The merges and their confirmations, in the privacy schema. */
@Injectable()
export class MergesRepository {
  /** Records the merge and one pending confirmation per participant; answers its time. */
  async insert(manager: EntityManager, merge: NewMerge): Promise<string> {
    const [row] = await manager.query<{ requested_at: Date }[]>(
      `INSERT INTO privacy.merges
         (tenant_id, id, survivor_id, duplicate_id, requested_by, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING requested_at`,
      [
        merge.tenantId,
        merge.id,
        merge.survivorId,
        merge.duplicateId,
        merge.requestedBy,
        merge.correlationId,
      ],
    );
    await this.askAll(manager, merge.tenantId, merge.id, 'merge', merge.participants);
    return row.requested_at.toISOString();
  }

  /** Records the undo's request and one pending confirmation per participant; answers its time. */
  async requestUndo(
    manager: EntityManager,
    tenantId: string,
    id: string,
    requestedBy: string,
    participants: readonly MergeParticipant[],
  ): Promise<string> {
    // A statement that answers rows (an UPDATE answers its rows and a count).
    const [row] = await manager.query<{ undo_requested_at: Date }[]>(
      `WITH asked AS (
         UPDATE privacy.merges
            SET undo_requested_by = $3, undo_requested_at = date_trunc('milliseconds', now())
          WHERE tenant_id = $1 AND id = $2 RETURNING undo_requested_at)
       SELECT undo_requested_at FROM asked`,
      [tenantId, id, requestedBy],
    );
    await this.askAll(manager, tenantId, id, 'undo', participants);
    return row.undo_requested_at.toISOString();
  }

  private async askAll(
    manager: EntityManager,
    tenantId: string,
    id: string,
    phase: MergePhase,
    participants: readonly MergeParticipant[],
  ): Promise<void> {
    await manager.query(
      `INSERT INTO privacy.merge_confirmations (tenant_id, merge_id, phase, participant)
       SELECT $1, $2, $3, unnest($4::text[])`,
      [tenantId, id, phase, participants],
    );
  }

  /** The merge, locked for this transaction when `forUpdate` (its confirmations change). */
  async find(
    manager: EntityManager,
    tenantId: string,
    id: string,
    forUpdate = false,
  ): Promise<MergeState | null> {
    if (!isUuid(id)) return null;
    const rows = await manager.query<MergeRow[]>(
      `SELECT ${COLUMNS} FROM privacy.merges WHERE tenant_id = $1 AND id = $2
       ${forUpdate ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return rows[0] ? stateOf(rows[0]) : null;
  }

  /** A merge in progress that the customer is part of (survivor or duplicate), if any. */
  async inProgressOf(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<{ id: string } | null> {
    const rows = await manager.query<{ id: string }[]>(
      `SELECT id FROM privacy.merges m
        WHERE m.tenant_id = $1 AND (m.survivor_id = $2 OR m.duplicate_id = $2) AND ${IN_PROGRESS}
        ORDER BY m.requested_at LIMIT 1`,
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  /** The merge that made the customer a duplicate and stands (its undo not asked), if any. */
  async standingAsDuplicate(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<{ id: string; survivorId: string } | null> {
    const rows = await manager.query<{ id: string; survivor_id: string }[]>(
      `SELECT id, survivor_id FROM privacy.merges
        WHERE tenant_id = $1 AND duplicate_id = $2 AND undo_requested_at IS NULL
        ORDER BY requested_at DESC LIMIT 1`,
      [tenantId, customerId],
    );
    return rows[0] ? { id: rows[0].id, survivorId: rows[0].survivor_id } : null;
  }

  /**
   * Every customer merged into this one and not unmerged (the merge completed or pending, its
   * undo not asked), directly or along a chain (A into B into C: C's are B and A). Sorted.
   */
  async mergedInto(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<string[]> {
    const rows = await manager.query<{ duplicate_id: string }[]>(
      `WITH RECURSIVE merged(duplicate_id) AS (
         SELECT duplicate_id FROM privacy.merges
          WHERE tenant_id = $1 AND survivor_id = $2 AND undo_requested_at IS NULL
         UNION
         SELECT m.duplicate_id FROM privacy.merges m JOIN merged ON m.survivor_id = merged.duplicate_id
          WHERE m.tenant_id = $1 AND m.undo_requested_at IS NULL
       )
       SELECT duplicate_id FROM merged WHERE duplicate_id <> $2 ORDER BY duplicate_id`,
      [tenantId, customerId],
    );
    return rows.map((r) => r.duplicate_id);
  }

  /**
   * Records a participant's confirmation of a phase (the first one counts; a second answer is
   * ignored), with the customers service's conflicts when it is its first answer to the merge,
   * and completes the phase when it was the last. Runs with the merge locked.
   */
  async confirm(
    manager: EntityManager,
    tenantId: string,
    id: string,
    phase: MergePhase,
    answer: {
      participant: MergeParticipant;
      counts: Record<string, number>;
      at: string;
      conflicts?: string[];
    },
  ): Promise<void> {
    const confirmed = await manager.query<unknown[]>(
      `WITH confirmed AS (
         UPDATE privacy.merge_confirmations SET completed_at = $5, counts = $6
          WHERE tenant_id = $1 AND merge_id = $2 AND phase = $3 AND participant = $4
            AND completed_at IS NULL
          RETURNING 1)
       SELECT 1 FROM confirmed`,
      [tenantId, id, phase, answer.participant, answer.at, JSON.stringify(answer.counts)],
    );
    if (confirmed.length === 0) return;
    if (phase === 'merge' && answer.conflicts) {
      await manager.query(
        `UPDATE privacy.merges SET conflicts = $3::text[] WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id, [...new Set(answer.conflicts)]],
      );
    }
    const column = phase === 'merge' ? 'completed_at' : 'undone_at';
    await manager.query(
      `UPDATE privacy.merges m SET ${column} = (
           SELECT max(completed_at) FROM privacy.merge_confirmations c
            WHERE c.tenant_id = m.tenant_id AND c.merge_id = m.id AND c.phase = $3)
        WHERE m.tenant_id = $1 AND m.id = $2 AND m.${column} IS NULL
          AND NOT EXISTS (SELECT 1 FROM privacy.merge_confirmations c
                           WHERE c.tenant_id = m.tenant_id AND c.merge_id = m.id
                             AND c.phase = $3 AND c.completed_at IS NULL)`,
      [tenantId, id, phase],
    );
  }

  /** The participants that have not confirmed the phase, sorted. */
  async unanswered(
    manager: EntityManager,
    tenantId: string,
    id: string,
    phase: MergePhase,
  ): Promise<MergeParticipant[]> {
    const rows = await manager.query<{ participant: MergeParticipant }[]>(
      `SELECT participant FROM privacy.merge_confirmations
        WHERE tenant_id = $1 AND merge_id = $2 AND phase = $3 AND completed_at IS NULL
        ORDER BY participant`,
      [tenantId, id, phase],
    );
    return rows.map((r) => r.participant);
  }

  /** Whether the participant has confirmed the merge (the customers service's conflicts). */
  async confirmedBy(
    manager: EntityManager,
    tenantId: string,
    id: string,
    participant: MergeParticipant,
  ): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM privacy.merge_confirmations
        WHERE tenant_id = $1 AND merge_id = $2 AND phase = 'merge' AND participant = $3
          AND completed_at IS NOT NULL`,
      [tenantId, id, participant],
    );
    return rows.length > 0;
  }

  /** Every merge the customer was part of (survivor or duplicate), oldest first: a hand-over's. */
  async ofCustomer(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<MergeView[]> {
    const rows = await manager.query<{ id: string }[]>(
      `SELECT id FROM privacy.merges
        WHERE tenant_id = $1 AND (survivor_id = $2 OR duplicate_id = $2) ORDER BY requested_at, id`,
      [tenantId, customerId],
    );
    const views: MergeView[] = [];
    for (const { id } of rows) {
      const view = await this.view(manager, tenantId, id);
      if (view) views.push(view);
    }
    return views;
  }

  async view(manager: EntityManager, tenantId: string, id: string): Promise<MergeView | null> {
    if (!isUuid(id)) return null;
    const rows = await manager.query<MergeRow[]>(
      `SELECT ${COLUMNS} FROM privacy.merges WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    const row = rows[0];
    if (!row) return null;
    const confirmations = await manager.query<
      {
        phase: MergePhase;
        participant: MergeParticipant;
        completed_at: Date | null;
        counts: Record<string, number>;
      }[]
    >(
      `SELECT phase, participant, completed_at, counts FROM privacy.merge_confirmations
        WHERE tenant_id = $1 AND merge_id = $2 ORDER BY participant`,
      [tenantId, id],
    );
    const of = (phase: MergePhase): MergeConfirmationView[] =>
      confirmations
        .filter((c) => c.phase === phase)
        .map((c) => ({
          service: c.participant,
          status: c.completed_at === null ? 'pending' : 'completed',
          completedAt: iso(c.completed_at),
          counts: c.counts,
        }));
    const undoableUntil = new Date(row.requested_at.getTime() + MERGE_UNDO_DAYS * 86_400_000);
    return {
      id: row.id,
      survivorId: row.survivor_id,
      duplicateId: row.duplicate_id,
      status: statusOf(row),
      requestedBy: row.requested_by,
      requestedAt: row.requested_at.toISOString(),
      completedAt: iso(row.completed_at),
      undoableUntil: undoableUntil.toISOString(),
      conflicts: row.conflicts.map((field) => ({ field, kept: 'survivor' as const })),
      confirmations: of('merge'),
      ...(row.undo_requested_at !== null && row.undo_requested_by !== null
        ? {
            undo: {
              requestedBy: row.undo_requested_by,
              requestedAt: row.undo_requested_at.toISOString(),
              completedAt: iso(row.undone_at),
              confirmations: of('undo'),
            },
          }
        : {}),
    };
  }
}
