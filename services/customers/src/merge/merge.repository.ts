import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CustomerRecordStatus, ExternalIdDto } from '@kanta/contracts';
import type { UpdatedCustomerFacts } from '../customers/customer-events';
import type { CardAdditions } from './card-merge';

/** The rows a merge moved from the duplicate to the survivor, by id (what the undo moves back). */
export interface MovedRows {
  reminders: string[];
  vehicles: string[];
  /** Each marketing decision moved: its purpose and its ledger entry (ids, no decision). */
  marketingConsents: { purpose: string; entryId: string }[];
}

/** A merge as this service remembers it for its undo: ids, field names, hashes. */
export interface CustomerMergeRecord {
  merge_id: string;
  survivor_id: string;
  duplicate_id: string;
  duplicate_status: CustomerRecordStatus;
  taken_fields: string[];
  conflicts: string[];
  added: CardAdditions;
  moved: MovedRows;
  /** The suggested pair of the two customers the merge resolved (deleted), if there was one. */
  pair_id: string | null;
  undone_at: Date | null;
}

const FACTS = 'id, customer_number, status, station_ids, version, email, phone, merged_into';

/**
 * The customers schema's part of a merge and of its undo, statement by statement, in the
 * transaction of the request's inbox.
 */
@Injectable()
export class MergeRepository {
  async findMerge(
    manager: EntityManager,
    tenantId: string,
    mergeId: string,
  ): Promise<CustomerMergeRecord | null> {
    const rows = await manager.query<CustomerMergeRecord[]>(
      `SELECT merge_id, survivor_id, duplicate_id, duplicate_status, taken_fields, conflicts,
              added, moved, pair_id, undone_at
         FROM customers.customer_merges WHERE tenant_id = $1 AND merge_id = $2 FOR UPDATE`,
      [tenantId, mergeId],
    );
    return rows[0] ?? null;
  }

  async recordMerge(
    manager: EntityManager,
    tenantId: string,
    record: Omit<CustomerMergeRecord, 'undone_at'>,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO customers.customer_merges (tenant_id, merge_id, survivor_id, duplicate_id,
         duplicate_status, taken_fields, conflicts, added, moved, pair_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        tenantId,
        record.merge_id,
        record.survivor_id,
        record.duplicate_id,
        record.duplicate_status,
        record.taken_fields,
        record.conflicts,
        JSON.stringify(record.added),
        JSON.stringify(record.moved),
        record.pair_id,
      ],
    );
  }

  async markUndone(manager: EntityManager, tenantId: string, mergeId: string): Promise<void> {
    await manager.query(
      `UPDATE customers.customer_merges SET undone_at = now()
        WHERE tenant_id = $1 AND merge_id = $2`,
      [tenantId, mergeId],
    );
  }

  /** The duplicate becomes merged into the survivor; its card stays as it is, for an undo. */
  async markMerged(
    manager: EntityManager,
    tenantId: string,
    duplicateId: string,
    survivorId: string,
  ): Promise<UpdatedCustomerFacts> {
    const [rows] = await manager.query<[UpdatedCustomerFacts[], number]>(
      `UPDATE customers.customers
          SET status = 'merged', merged_into = $3, version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2
        RETURNING ${FACTS}`,
      [tenantId, duplicateId, survivorId],
    );
    return rows[0];
  }

  /** The duplicate back to the status it had, if it is still merged into this survivor. */
  async unmarkMerged(
    manager: EntityManager,
    tenantId: string,
    duplicateId: string,
    survivorId: string,
    status: CustomerRecordStatus,
  ): Promise<UpdatedCustomerFacts | null> {
    const [rows] = await manager.query<[UpdatedCustomerFacts[], number]>(
      `UPDATE customers.customers
          SET status = $4, merged_into = NULL, version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'merged' AND merged_into = $3
        RETURNING ${FACTS}`,
      [tenantId, duplicateId, survivorId, status],
    );
    return rows[0] ?? null;
  }

  /** Moves the external ids' uniqueness rows (customer_external_ids) from one to the other. */
  async moveExternalIds(
    manager: EntityManager,
    tenantId: string,
    from: string,
    to: string,
    ids: ExternalIdDto[] | 'all',
  ): Promise<number> {
    if (ids !== 'all' && ids.length === 0) return 0;
    const [, affected] = await manager.query<[unknown, number]>(
      ids === 'all'
        ? `UPDATE customers.customer_external_ids SET customer_id = $3
            WHERE tenant_id = $1 AND customer_id = $2`
        : `UPDATE customers.customer_external_ids x SET customer_id = $3
             FROM jsonb_to_recordset($4::jsonb) AS e(system text, id text)
            WHERE x.tenant_id = $1 AND x.customer_id = $2
              AND x.system = e.system AND x.external_id = e.id`,
      ids === 'all' ? [tenantId, from, to] : [tenantId, from, to, JSON.stringify(ids)],
    );
    return affected;
  }

  /** Moves reminders (all of `from`'s, or these) to `to`; answers the ids moved. */
  async moveReminders(
    manager: EntityManager,
    tenantId: string,
    from: string,
    to: string,
    only: string[] | null,
  ): Promise<string[]> {
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE customers.reminders SET customer_id = $3
        WHERE tenant_id = $1 AND customer_id = $2 AND ($4::uuid[] IS NULL OR id = ANY($4::uuid[]))
        RETURNING id`,
      [tenantId, from, to, only],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Moves vehicle links (the plates and VINs search reads) of vehicles `to` is not linked to
   * already; answers the vehicle ids moved.
   */
  async moveVehicleLinks(
    manager: EntityManager,
    tenantId: string,
    from: string,
    to: string,
    only: string[] | null,
  ): Promise<string[]> {
    const [rows] = await manager.query<[{ vehicle_id: string }[], number]>(
      `UPDATE customers.customer_vehicles v SET customer_id = $3
        WHERE v.tenant_id = $1 AND v.customer_id = $2
          AND ($4::uuid[] IS NULL OR v.vehicle_id = ANY($4::uuid[]))
          AND NOT EXISTS (SELECT 1 FROM customers.customer_vehicles o
                           WHERE o.tenant_id = $1 AND o.vehicle_id = v.vehicle_id
                             AND o.customer_id = $3)
        RETURNING v.vehicle_id`,
      [tenantId, from, to, only],
    );
    return rows.map((r) => r.vehicle_id);
  }

  /**
   * Moves the marketing decisions of purposes `to` has none of (its own decision stays); with
   * `only`, just those decisions, while they are still the current ones.
   */
  async moveMarketingConsents(
    manager: EntityManager,
    tenantId: string,
    from: string,
    to: string,
    only: { purpose: string; entryId: string }[] | null,
  ): Promise<{ purpose: string; entryId: string }[]> {
    const [rows] = await manager.query<[{ purpose: string; entryId: string }[], number]>(
      `UPDATE customers.customer_marketing_consents m SET customer_id = $3
        WHERE m.tenant_id = $1 AND m.customer_id = $2
          AND ($4::jsonb IS NULL OR (m.purpose, m.entry_id::text) IN (
                SELECT o.purpose, o."entryId"
                  FROM jsonb_to_recordset($4::jsonb) AS o(purpose text, "entryId" text)))
          AND NOT EXISTS (SELECT 1 FROM customers.customer_marketing_consents o
                           WHERE o.tenant_id = $1 AND o.customer_id = $3
                             AND o.purpose = m.purpose)
        RETURNING m.purpose, m.entry_id::text AS "entryId"`,
      [tenantId, from, to, only ? JSON.stringify(only) : null],
    );
    return rows;
  }

  /**
   * Deletes the duplicate pairs naming the duplicate (dismissed ones too): see the README.
   * Answers how many, and the id of the pair of the two (the one the merge resolves), if any.
   */
  async deletePairsOf(
    manager: EntityManager,
    tenantId: string,
    duplicateId: string,
    survivorId: string,
  ): Promise<{ deleted: number; pairId: string | null }> {
    const [rows] = await manager.query<[{ id: string; other: string }[], number]>(
      `DELETE FROM customers.duplicate_pairs
        WHERE tenant_id = $1 AND (customer_a = $2 OR customer_b = $2)
        RETURNING id, CASE WHEN customer_a = $2 THEN customer_b ELSE customer_a END AS other`,
      [tenantId, duplicateId],
    );
    return {
      deleted: rows.length,
      pairId: rows.find((r) => r.other === survivorId)?.id ?? null,
    };
  }
}
