import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { VisitChannel, VisitKind, VisitStatus } from '@kanta/contracts';

/** What reception may change on a visit. */
export type VisitChanges = Pick<
  VisitRow,
  | 'status'
  | 'scheduled_at'
  | 'notes'
  | 'special_requests'
  | 'staff_user_id'
  | 'customer_id'
  | 'vehicle_id'
  | 'partner_link'
  | 'cancel_reason'
>;

export interface VisitRow {
  id: string;
  station_id: string;
  customer_id: string | null;
  vehicle_id: string | null;
  kind: VisitKind;
  channel: VisitChannel;
  status: VisitStatus;
  scheduled_at: Date;
  staff_user_id: string | null;
  notes: string | null;
  special_requests: string | null;
  prepaid_minor: string | null;
  prepaid_currency: string | null;
  partner_link: string | null;
  external_id: string | null;
  source: string | null;
  cancel_reason: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** A visit as its view shows it: with its vehicle's plate, read with it. */
export type VisitViewRow = VisitRow & { registration: string | null };

export type VisitInsert = Omit<VisitRow, 'cancel_reason' | 'version' | 'created_at' | 'updated_at'>;

export interface VisitFilter {
  tenantId: string;
  /** Visits at any of these stations; null: every station. */
  stationIds: string[] | null;
  customerId: string | null;
  vehicleId: string | null;
  status: VisitStatus | null;
  channel: VisitChannel | null;
  from: Date | null;
  before: Date | null;
  after: { at: string; id: string } | null;
  limit: number;
}

/** A visit's columns, of the table named `v` in the statement. */
export const VISIT_COLUMNS = `v.id, v.station_id, v.customer_id, v.vehicle_id, v.kind, v.channel,
  v.status, v.scheduled_at, v.staff_user_id, v.notes, v.special_requests, v.prepaid_minor,
  v.prepaid_currency, v.partner_link, v.external_id, v.source, v.cancel_reason, v.version,
  v.created_at, v.updated_at`;

/** What a view of the visit shows besides: its vehicle's plate as it is now (as entered). */
export const VISIT_VIEW_COLUMNS = `${VISIT_COLUMNS},
  (SELECT x.registration FROM vehicles.vehicles x
    WHERE x.tenant_id = v.tenant_id AND x.id = v.vehicle_id) AS registration`;

export const VISIT_EXTERNAL_ID_UNIQUE = 'visits_external_unique';

type Runner = Pick<EntityManager, 'query'>;

@Injectable()
export class VisitsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: Runner, tenantId: string, v: VisitInsert): Promise<VisitViewRow> {
    const rows = await manager.query<VisitViewRow[]>(
      `INSERT INTO vehicles.visits AS v (tenant_id, id, station_id, customer_id, vehicle_id, kind,
         channel, status, scheduled_at, staff_user_id, notes, special_requests, prepaid_minor,
         prepaid_currency, partner_link, external_id, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       RETURNING ${VISIT_VIEW_COLUMNS}`,
      [
        tenantId,
        v.id,
        v.station_id,
        v.customer_id,
        v.vehicle_id,
        v.kind,
        v.channel,
        v.status,
        v.scheduled_at,
        v.staff_user_id,
        v.notes,
        v.special_requests,
        v.prepaid_minor,
        v.prepaid_currency,
        v.partner_link,
        v.external_id,
        v.source,
      ],
    );
    return rows[0];
  }

  async findById(
    tenantId: string,
    id: string,
    manager: Runner = this.dataSource,
    forUpdate = false,
  ): Promise<VisitViewRow | null> {
    const rows = await manager.query<VisitViewRow[]>(
      `SELECT ${VISIT_VIEW_COLUMNS} FROM vehicles.visits v WHERE v.tenant_id = $1 AND v.id = $2
       ${forUpdate ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  async update(
    manager: Runner,
    tenantId: string,
    id: string,
    set: VisitChanges,
  ): Promise<VisitViewRow> {
    const [rows] = await manager.query<[VisitViewRow[], number]>(
      `UPDATE vehicles.visits v
          SET status = $3, scheduled_at = $4, notes = $5, special_requests = $6,
              staff_user_id = $7, customer_id = $8, vehicle_id = $9, partner_link = $10,
              cancel_reason = $11, version = version + 1, updated_at = now(),
              -- Reception's change is as of now: a partner event that happened before it (or
              -- is delivered late) does not undo it.
              status_event_at = CASE WHEN v.status IS DISTINCT FROM $3 THEN now()
                                     ELSE v.status_event_at END,
              schedule_event_at = CASE WHEN v.scheduled_at IS DISTINCT FROM $4 THEN now()
                                       ELSE v.schedule_event_at END
        WHERE v.tenant_id = $1 AND v.id = $2
        RETURNING ${VISIT_VIEW_COLUMNS}`,
      [
        tenantId,
        id,
        set.status,
        set.scheduled_at,
        set.notes,
        set.special_requests,
        set.staff_user_id,
        set.customer_id,
        set.vehicle_id,
        set.partner_link,
        set.cancel_reason,
      ],
    );
    return rows[0];
  }

  /**
   * The visit's sales follow its customer: those of the customer it had (or of none) become the
   * new customer's (or nobody's). A receipt waiting for the answer about its own contact details
   * waits on.
   */
  async moveSales(
    manager: Runner,
    tenantId: string,
    visitId: string,
    from: string | null,
    to: string | null,
  ): Promise<void> {
    await manager.query(
      `UPDATE vehicles.sales SET customer_id = $4
        WHERE tenant_id = $1 AND visit_id = $2 AND (customer_id IS NULL OR customer_id = $3)
          AND contact_event_id IS NULL`,
      [tenantId, visitId, from, to],
    );
  }

  /** Ordered by scheduled time, then id (the keyset). */
  list(f: VisitFilter): Promise<VisitViewRow[]> {
    const values: unknown[] = [f.tenantId];
    const param = (value: unknown): string => `$${values.push(value)}`;
    const where: string[] = [];
    if (f.stationIds) where.push(`station_id = ANY(${param(f.stationIds)}::uuid[])`);
    if (f.customerId) where.push(`customer_id = ${param(f.customerId)}`);
    if (f.vehicleId) where.push(`vehicle_id = ${param(f.vehicleId)}`);
    if (f.status) where.push(`status = ${param(f.status)}`);
    if (f.channel) where.push(`channel = ${param(f.channel)}`);
    if (f.from) where.push(`scheduled_at >= ${param(f.from)}`);
    if (f.before) where.push(`scheduled_at < ${param(f.before)}`);
    if (f.after) {
      where.push(
        `(scheduled_at, id) > (${param(f.after.at)}::timestamptz, ${param(f.after.id)}::uuid)`,
      );
    }
    return this.dataSource.query<VisitViewRow[]>(
      `SELECT ${VISIT_VIEW_COLUMNS} FROM vehicles.visits v
        WHERE tenant_id = $1 ${where.map((w) => `AND ${w}`).join(' ')}
        ORDER BY scheduled_at, id LIMIT ${param(f.limit)}`,
      values,
    );
  }
}
