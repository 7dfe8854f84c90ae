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

/** The access log in the privacy schema: insert and read, never change (the table refuses it). */
@Injectable()
export class AccessLogRepository {
  /**
   * Inserts a tenant's entries in one statement; an entry already there (its id) is skipped, so
   * a batch handled again inserts nothing twice.
   */
  async insert(manager: EntityManager, tenantId: string, entries: AccessEntry[]): Promise<void> {
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
   * Inserts a tenant's compact flushes (ACCESS_RECORDED_V2) in one statement, as columns: no
   * JSON for PostgreSQL to parse, each entry's customers one uuid[] literal built from their
   * bytes. An entry already there (its id) is skipped, as in `insert`.
   */
  async insertCompact(
    manager: EntityManager,
    tenantId: string,
    flushes: readonly AccessRecordedV2[],
  ): Promise<void> {
    const ids: string[] = [];
    const at: string[] = [];
    const actions: string[] = [];
    const users: string[] = [];
    const roles: string[] = [];
    const stations: (string | null)[] = [];
    const customers: string[] = [];
    const correlations: (string | null)[] = [];
    for (const { callers, entries } of flushes) {
      for (const entry of entries) {
        const caller = callers[entry.caller];
        ids.push(entry.id);
        at.push(entry.at);
        actions.push(entry.action);
        users.push(caller.userId);
        roles.push(caller.role);
        stations.push(caller.stationId);
        customers.push(customerIdsArrayLiteral(entry.customers));
        correlations.push(entry.correlationId ?? null);
      }
    }
    if (ids.length === 0) return;
    await manager.query(
      `INSERT INTO privacy.access_log
         (tenant_id, id, at, action, user_id, role, station_id, customer_ids, correlation_id)
       SELECT $1, e.id, e.at, e.action, e.user_id, e.role, e.station_id, e.customers::uuid[],
              e.correlation_id
         FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::uuid[], $6::text[],
                     $7::uuid[], $8::text[], $9::text[])
           AS e(id, at, action, user_id, role, station_id, customers, correlation_id)
       ON CONFLICT (tenant_id, id) DO NOTHING`,
      [tenantId, ids, at, actions, users, roles, stations, customers, correlations],
    );
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
