import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CustomerLabelList } from '@kanta/contracts';

export interface LabelRow {
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
  customer_count?: number;
}

/** What releasing a label changed on each of its customers, for their update events. */
export interface ReleasedCustomer {
  id: string;
  customer_number: string;
  status: 'active' | 'passive';
  station_ids: string[];
  version: number;
  email: string | null;
  phone: string | null;
}

/** The customers column that holds each list's labels. */
const MEMBERSHIP: Record<CustomerLabelList, { count: string; release: string; holds: string }> = {
  group: {
    count: `SELECT g AS id, count(*)::int AS n FROM customers.customers, unnest(group_ids) g
             WHERE tenant_id = $1 GROUP BY g`,
    release: 'group_ids = array_remove(group_ids, $2)',
    holds: 'group_ids @> ARRAY[$2::uuid]',
  },
  source: {
    count: `SELECT source_id AS id, count(*)::int AS n FROM customers.customers
             WHERE tenant_id = $1 AND source_id IS NOT NULL GROUP BY source_id`,
    release: 'source_id = NULL',
    holds: 'source_id = $2',
  },
};

const LABEL_COLUMNS = 'id, name, created_at, updated_at';

@Injectable()
export class LabelsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(tenantId: string, list: CustomerLabelList, withCounts: boolean): Promise<LabelRow[]> {
    if (!withCounts) {
      return this.dataSource.query<LabelRow[]>(
        `SELECT ${LABEL_COLUMNS} FROM customers.customer_labels
          WHERE tenant_id = $1 AND list = $2 ORDER BY customers.search_fold(name), id`,
        [tenantId, list],
      );
    }
    return this.dataSource.query<LabelRow[]>(
      `WITH counts AS (${MEMBERSHIP[list].count})
       SELECT l.id, l.name, l.created_at, l.updated_at, coalesce(c.n, 0) AS customer_count
         FROM customers.customer_labels l LEFT JOIN counts c ON c.id = l.id
        WHERE l.tenant_id = $1 AND l.list = $2
        ORDER BY customers.search_fold(l.name), l.id`,
      [tenantId, list],
    );
  }

  async findById(tenantId: string, list: CustomerLabelList, id: string): Promise<LabelRow | null> {
    const rows = await this.dataSource.query<LabelRow[]>(
      `SELECT ${LABEL_COLUMNS} FROM customers.customer_labels
        WHERE tenant_id = $1 AND list = $2 AND id = $3`,
      [tenantId, list, id],
    );
    return rows[0] ?? null;
  }

  async insert(
    manager: EntityManager,
    tenantId: string,
    list: CustomerLabelList,
    id: string,
    name: string,
  ): Promise<LabelRow> {
    const rows = await manager.query<LabelRow[]>(
      `INSERT INTO customers.customer_labels (tenant_id, id, list, name) VALUES ($1, $2, $3, $4)
       RETURNING ${LABEL_COLUMNS}`,
      [tenantId, id, list, name],
    );
    return rows[0];
  }

  async rename(
    manager: EntityManager,
    tenantId: string,
    list: CustomerLabelList,
    id: string,
    name: string,
  ): Promise<LabelRow | null> {
    const [rows] = await manager.query<[LabelRow[], number]>(
      `UPDATE customers.customer_labels SET name = $4, updated_at = now()
        WHERE tenant_id = $1 AND list = $2 AND id = $3
       RETURNING ${LABEL_COLUMNS}`,
      [tenantId, list, id, name],
    );
    return rows[0] ?? null;
  }

  /** Deletes the label; false when the tenant has no such label. */
  async delete(
    manager: EntityManager,
    tenantId: string,
    list: CustomerLabelList,
    id: string,
  ): Promise<boolean> {
    const [, affected] = await manager.query<[unknown[], number]>(
      'DELETE FROM customers.customer_labels WHERE tenant_id = $1 AND list = $2 AND id = $3',
      [tenantId, list, id],
    );
    return affected > 0;
  }

  /** Takes the label off every customer that has it; each of them gets a new version. */
  async release(
    manager: EntityManager,
    tenantId: string,
    list: CustomerLabelList,
    id: string,
  ): Promise<ReleasedCustomer[]> {
    const membership = MEMBERSHIP[list];
    const [rows] = await manager.query<[ReleasedCustomer[], number]>(
      `UPDATE customers.customers SET ${membership.release}, version = version + 1,
              updated_at = now()
        WHERE tenant_id = $1 AND ${membership.holds}
       RETURNING id, customer_number, status, station_ids, version, email, phone`,
      [tenantId, id],
    );
    return rows;
  }

  /** Which of these ids are not labels of the tenant's list. */
  async unknown(tenantId: string, list: CustomerLabelList, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT x.id FROM unnest($3::uuid[]) AS x(id)
        WHERE NOT EXISTS (SELECT 1 FROM customers.customer_labels l
                           WHERE l.tenant_id = $1 AND l.list = $2 AND l.id = x.id)`,
      [tenantId, list, ids],
    );
    return rows.map((r) => r.id);
  }
}
