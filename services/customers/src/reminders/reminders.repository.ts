import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ReminderStatus } from '@kanta/contracts';
import type { ReminderRow } from './reminder-row';

const COLUMNS = `r.tenant_id, r.id, r.customer_id, r.assignee_user_id, r.due_at, r.comment,
  r.status, r.created_by, r.created_at, r.updated_at, r.became_due_at, r.done_at, r.version`;

/** Stations that limit what the caller sees, or null for the whole tenant. */
type Visibility = string[] | null;

export interface ReminderInsert {
  tenantId: string;
  id: string;
  customerId: string;
  assigneeUserId: string;
  dueAt: Date;
  comment: string;
  createdBy: string;
}

export interface ReminderChange {
  dueAt: Date;
  comment: string;
  assigneeUserId: string;
  status: ReminderRow['status'];
  doneAt: Date | null;
  becameDueAt: Date | null;
}

export interface ReminderListFilter {
  tenantId: string;
  visibleStations: Visibility;
  assigneeUserId: string | null;
  customerId: string | null;
  status: ReminderStatus | null;
  after: { dueAt: Date; id: string } | null;
  limit: number;
}

/** Which reminders to make due: one (its job), or a batch of any tenant's (the sweep). */
export type DueTarget = { tenantId: string; id: string } | { batchSize: number };

/** The API's statuses in SQL; `due` includes a scheduled reminder whose job has not run yet. */
const STATUS_CONDITION: Record<ReminderStatus, string> = {
  upcoming: `r.status = 'scheduled' AND r.due_at > now()`,
  due: `(r.status = 'due' OR (r.status = 'scheduled' AND r.due_at <= now()))`,
  done: `r.status = 'done'`,
};

@Injectable()
export class RemindersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, insert: ReminderInsert): Promise<ReminderRow> {
    const rows = await manager.query<ReminderRow[]>(
      `INSERT INTO customers.reminders AS r (tenant_id, id, customer_id, assignee_user_id, due_at,
         comment, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING ${COLUMNS}`,
      [
        insert.tenantId,
        insert.id,
        insert.customerId,
        insert.assigneeUserId,
        insert.dueAt,
        insert.comment,
        insert.createdBy,
      ],
    );
    return rows[0];
  }

  /** A reminder of a customer the caller can see; with `forUpdate`, locked for a change. */
  async findVisible(
    tenantId: string,
    id: string,
    visibleStations: Visibility,
    options: { manager?: EntityManager; forUpdate?: boolean } = {},
  ): Promise<(ReminderRow & { customer_station_ids: string[] }) | null> {
    const runner = options.manager ?? this.dataSource.manager;
    const rows = await runner.query<(ReminderRow & { customer_station_ids: string[] })[]>(
      `SELECT ${COLUMNS}, c.station_ids AS customer_station_ids
         FROM customers.reminders r
         JOIN customers.customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id
        WHERE r.tenant_id = $1 AND r.id = $2
          AND ($3::uuid[] IS NULL OR c.station_ids && $3::uuid[])
        ${options.forUpdate ? 'FOR UPDATE OF r' : ''}`,
      [tenantId, id, visibleStations],
    );
    return rows[0] ?? null;
  }

  async update(
    manager: EntityManager,
    tenantId: string,
    id: string,
    change: ReminderChange,
  ): Promise<ReminderRow> {
    // TypeORM answers an UPDATE … RETURNING as [rows, affected].
    const [rows] = await manager.query<[ReminderRow[], number]>(
      `UPDATE customers.reminders r SET due_at = $3, comment = $4, assignee_user_id = $5,
         status = $6, done_at = $7, became_due_at = $8, version = version + 1, updated_at = now()
       WHERE tenant_id = $1 AND id = $2
       RETURNING ${COLUMNS}`,
      [
        tenantId,
        id,
        change.dueAt,
        change.comment,
        change.assigneeUserId,
        change.status,
        change.doneAt,
        change.becameDueAt,
      ],
    );
    return rows[0];
  }

  /** Deletes a reminder of a customer the caller can see: whose it was, or null when none. */
  async delete(
    manager: EntityManager,
    tenantId: string,
    id: string,
    visibleStations: Visibility,
  ): Promise<string | null> {
    const [rows] = await manager.query<[{ customer_id: string }[], number]>(
      `DELETE FROM customers.reminders r
        USING customers.customers c
        WHERE r.tenant_id = $1 AND r.id = $2
          AND c.tenant_id = r.tenant_id AND c.id = r.customer_id
          AND ($3::uuid[] IS NULL OR c.station_ids && $3::uuid[])
        RETURNING r.customer_id`,
      [tenantId, id, visibleStations],
    );
    return rows[0]?.customer_id ?? null;
  }

  /** A page in the API's order, due_at then id, both the keyset. */
  async list(filter: ReminderListFilter): Promise<ReminderRow[]> {
    const values: unknown[] = [filter.tenantId];
    const param = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    const conditions = ['r.tenant_id = $1'];
    if (filter.assigneeUserId)
      conditions.push(`r.assignee_user_id = ${param(filter.assigneeUserId)}`);
    if (filter.customerId) conditions.push(`r.customer_id = ${param(filter.customerId)}`);
    if (filter.status) conditions.push(STATUS_CONDITION[filter.status]);
    if (filter.visibleStations) {
      conditions.push(`c.station_ids && ${param(filter.visibleStations)}::uuid[]`);
    }
    if (filter.after) {
      conditions.push(
        `(r.due_at, r.id) > (${param(filter.after.dueAt)}::timestamptz, ${param(filter.after.id)}::uuid)`,
      );
    }
    return this.dataSource.query<ReminderRow[]>(
      `SELECT ${COLUMNS}
         FROM customers.reminders r
         JOIN customers.customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id
        WHERE ${conditions.join(' AND ')}
        ORDER BY r.due_at, r.id
        LIMIT ${param(filter.limit)}`,
      values,
    );
  }

  /**
   * Makes scheduled reminders whose time has come due, in the caller's transaction, and returns
   * them (for their events). A reminder that is done, deleted, rescheduled into the future or
   * already due is not touched, so a stale job does nothing. The sweep skips rows another
   * instance (or a job) is changing right now; the job waits for them and then sees they are due.
   */
  async markDue(manager: EntityManager, target: DueTarget): Promise<ReminderRow[]> {
    const [where, values] =
      'batchSize' in target
        ? [
            `(r.tenant_id, r.id) IN (
               SELECT tenant_id, id FROM customers.reminders
                WHERE status = 'scheduled' AND due_at <= now()
                ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
            [target.batchSize],
          ]
        : [`r.tenant_id = $1 AND r.id = $2`, [target.tenantId, target.id]];
    const [rows] = await manager.query<[ReminderRow[], number]>(
      `UPDATE customers.reminders r
          SET status = 'due', became_due_at = now(), version = version + 1, updated_at = now()
        WHERE ${where} AND r.status = 'scheduled' AND r.due_at <= now()
        RETURNING ${COLUMNS}`,
      values,
    );
    return rows;
  }

  /** The stored state of one reminder, whoever may see it (for the job's own decisions). */
  async findState(
    tenantId: string,
    id: string,
  ): Promise<Pick<ReminderRow, 'status' | 'due_at'> | null> {
    const rows = await this.dataSource.query<Pick<ReminderRow, 'status' | 'due_at'>[]>(
      'SELECT status, due_at FROM customers.reminders WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rows[0] ?? null;
  }
}
