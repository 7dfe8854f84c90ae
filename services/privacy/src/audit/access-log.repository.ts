import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  customerIdsArrayLiteral,
  type AccessAction,
  type AccessEntryV1,
  type AccessEntryView,
  type AccessRecordedV2,
  type Role,
} from '@kanta/contracts';

interface AccessRow {
  id: string;
  at: Date;
  action: AccessAction;
  user_id: string;
  role: Role | null;
  station_id: string | null;
  customer_ids: string[];
  correlation_id: string | null;
}

export function accessEntryView(row: AccessRow): AccessEntryView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    action: row.action,
    userId: row.user_id,
    role: row.role,
    stationId: row.station_id,
    customerIds: row.customer_ids,
    correlationId: row.correlation_id,
  };
}

/** What a list of the access log keeps to. */
export interface AccessLogFilter {
  customerId?: string;
  userId?: string;
  action?: AccessAction;
  from?: string;
  to?: string;
  /** The id of the last entry of the previous page. */
  before: string | null;
  limit: number;
}

/** An entry of the access log as written: the gateway's, or one this service makes. */
export type AccessEntry = Omit<AccessEntryV1, 'role'> & { role: Role | null };

/** An entry to insert: its customers as ids, or as a uuid[] literal. */
type InsertRow = Omit<AccessEntry, 'customerIds'> & { customerIds: string[] | string };

/** The access log in the privacy schema: insert and read, never change (the table refuses it). */
@Injectable()
export class AccessLogRepository {
  /**
   * Inserts a tenant's entries in one statement; an entry already there (its id) is skipped, so
   * a batch handled again inserts nothing twice.
   */
  async insert(manager: EntityManager, tenantId: string, entries: AccessEntry[]): Promise<void> {
    await this.insertRows(manager, tenantId, entries);
  }

  /** Entries whose `customerIds` are an array of ids or a uuid[] literal (`{hex,hex}`). */
  private async insertRows(
    manager: EntityManager,
    tenantId: string,
    entries: readonly InsertRow[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await manager.query(
      `INSERT INTO privacy.access_log
         (tenant_id, id, at, action, user_id, role, station_id, customer_ids, correlation_id)
       SELECT $1, e.id, e.at, e.action, e."userId", e.role, e."stationId", e."customerIds",
              e."correlationId"
         FROM jsonb_to_recordset($2::jsonb) AS e(id uuid, at timestamptz, action text,
              "userId" uuid, role text, "stationId" uuid, "customerIds" uuid[],
              "correlationId" text)
       ON CONFLICT (tenant_id, id) DO NOTHING`,
      [tenantId, JSON.stringify(entries)],
    );
  }

  /**
   * Inserts a tenant's compact flushes (ACCESS_RECORDED_V2) in one statement, as `insert` does,
   * each entry's caller taken from its flush and its customers passed as one uuid[] literal
   * (`{hex,hex}`, which PostgreSQL reads from a JSON string) instead of a JSON array of 25
   * strings. An entry already there (its id) is skipped.
   */
  async insertCompact(
    manager: EntityManager,
    tenantId: string,
    flushes: readonly AccessRecordedV2[],
  ): Promise<void> {
    const rows: InsertRow[] = [];
    for (const { callers, entries } of flushes) {
      for (const entry of entries) {
        const caller = callers[entry.caller];
        rows.push({
          id: entry.id,
          at: entry.at,
          action: entry.action,
          userId: caller.userId,
          role: caller.role,
          stationId: caller.stationId,
          customerIds: customerIdsArrayLiteral(entry.customers),
          correlationId: entry.correlationId ?? null,
        });
      }
    }
    await this.insertRows(manager, tenantId, rows);
  }

  /** The tenant's entries matching the filter, newest first. */
  async list(
    manager: EntityManager,
    tenantId: string,
    filter: AccessLogFilter,
  ): Promise<AccessEntryView[]> {
    const rows = await manager.query<AccessRow[]>(
      `SELECT id, at, action, user_id, role, station_id, customer_ids, correlation_id
         FROM privacy.access_log
        WHERE tenant_id = $1
          AND ($2::uuid IS NULL OR customer_ids @> ARRAY[$2::uuid])
          AND ($3::uuid IS NULL OR user_id = $3)
          AND ($4::text IS NULL OR action = $4)
          AND ($5::timestamptz IS NULL OR at >= $5)
          AND ($6::timestamptz IS NULL OR at < $6)
          AND ($7::uuid IS NULL OR id < $7)
        ORDER BY id DESC LIMIT $8`,
      [
        tenantId,
        filter.customerId ?? null,
        filter.userId ?? null,
        filter.action ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.before,
        filter.limit,
      ],
    );
    return rows.map(accessEntryView);
  }
}
