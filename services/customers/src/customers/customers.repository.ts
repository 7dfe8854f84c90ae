import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CustomerOrigin, ExternalIdDto } from '@kanta/contracts';
import type { CustomerRow, CustomerWrite } from './customer-row';
import type { SearchCursor } from './search-query';

const COLUMNS = `id, tenant_id, kind, first_name, last_name, company_name, business_id, phone,
  phone_raw, phone_national, email, addresses, notes, status, customer_number, station_ids,
  origin, external_ids, version, created_at, updated_at, sort_name`;

export interface CustomerSearch {
  tenantId: string;
  /** LIKE patterns, each already escaped; folded in SQL the way search_text is. */
  patterns: string[];
  includePassive: boolean;
  createdFrom: Date | null;
  /** Exclusive upper bound. */
  createdBefore: Date | null;
  /** Customers belonging to any of these stations; null means no station filter. */
  stationIds: string[] | null;
  after: SearchCursor | null;
  limit: number;
}

export interface IdempotencyRecord {
  fingerprint: string;
  customerId: string;
}

/** Postgres' unique_violation, and the constraint that raised it. */
export function uniqueViolation(error: unknown): string | null {
  const e = error as { code?: string; constraint?: string; driverError?: unknown };
  const driver = (e.driverError ?? e) as { code?: string; constraint?: string };
  return driver.code === '23505' ? (driver.constraint ?? '') : null;
}

export const CONSTRAINTS = {
  customerNumber: 'customers_number_unique',
  externalId: 'customer_external_ids_pkey',
  idempotencyKey: 'idempotency_keys_pkey',
} as const;

@Injectable()
export class CustomersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Its own statement, outside any transaction: see allocate_customer_number in the migration. */
  async allocateCustomerNumber(tenantId: string): Promise<string> {
    const rows = await this.dataSource.query<{ n: string }[]>(
      'SELECT customers.allocate_customer_number($1) AS n',
      [tenantId],
    );
    return rows[0].n;
  }

  async insert(
    manager: EntityManager,
    tenantId: string,
    id: string,
    origin: CustomerOrigin,
    write: CustomerWrite,
  ): Promise<CustomerRow> {
    const rows = await manager.query<CustomerRow[]>(
      `INSERT INTO customers.customers (tenant_id, id, origin, kind, first_name, last_name,
         company_name, business_id, phone, phone_raw, phone_national, email, addresses, notes,
         status, customer_number, station_ids, external_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       RETURNING ${COLUMNS}`,
      [tenantId, id, origin, ...writeParams(write)],
    );
    return rows[0];
  }

  async update(
    manager: EntityManager,
    tenantId: string,
    id: string,
    write: CustomerWrite,
  ): Promise<CustomerRow> {
    // TypeORM answers an UPDATE … RETURNING as [rows, affected].
    const [rows] = await manager.query<[CustomerRow[], number]>(
      `UPDATE customers.customers SET kind = $3, first_name = $4, last_name = $5,
         company_name = $6, business_id = $7, phone = $8, phone_raw = $9, phone_national = $10,
         email = $11, addresses = $12, notes = $13, status = $14, customer_number = $15,
         station_ids = $16, external_ids = $17, version = version + 1, updated_at = now()
       WHERE tenant_id = $1 AND id = $2
       RETURNING ${COLUMNS}`,
      [tenantId, id, ...writeParams(write)],
    );
    return rows[0];
  }

  async findById(
    tenantId: string,
    id: string,
    options: { manager?: EntityManager; forUpdate?: boolean } = {},
  ): Promise<CustomerRow | null> {
    const runner = options.manager ?? this.dataSource.manager;
    const rows = await runner.query<CustomerRow[]>(
      `SELECT ${COLUMNS} FROM customers.customers WHERE tenant_id = $1 AND id = $2
       ${options.forUpdate ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  async addExternalIds(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    ids: ExternalIdDto[],
  ): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `INSERT INTO customers.customer_external_ids (tenant_id, system, external_id, customer_id)
       SELECT $1, e.system, e.id, $2 FROM jsonb_to_recordset($3::jsonb) AS e(system text, id text)`,
      [tenantId, customerId, JSON.stringify(ids)],
    );
  }

  async removeExternalIds(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
    ids: ExternalIdDto[],
  ): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `DELETE FROM customers.customer_external_ids x
        USING jsonb_to_recordset($3::jsonb) AS e(system text, id text)
        WHERE x.tenant_id = $1 AND x.customer_id = $2
          AND x.system = e.system AND x.external_id = e.id`,
      [tenantId, customerId, JSON.stringify(ids)],
    );
  }

  /** Which of these external ids another customer of the tenant already holds. */
  async externalIdsTaken(
    tenantId: string,
    ids: ExternalIdDto[],
    exceptCustomerId: string | null,
  ): Promise<ExternalIdDto[]> {
    if (ids.length === 0) return [];
    return this.dataSource.query<ExternalIdDto[]>(
      `SELECT x.system, x.external_id AS id FROM customers.customer_external_ids x
         JOIN jsonb_to_recordset($2::jsonb) AS e(system text, id text)
           ON x.system = e.system AND x.external_id = e.id
        WHERE x.tenant_id = $1 AND x.customer_id IS DISTINCT FROM $3::uuid`,
      [tenantId, JSON.stringify(ids), exceptCustomerId],
    );
  }

  async findIdempotencyKey(tenantId: string, key: string): Promise<IdempotencyRecord | null> {
    const rows = await this.dataSource.query<{ fingerprint: string; customer_id: string }[]>(
      'SELECT fingerprint, customer_id FROM customers.idempotency_keys WHERE tenant_id = $1 AND key = $2',
      [tenantId, key],
    );
    return rows[0] ? { fingerprint: rows[0].fingerprint, customerId: rows[0].customer_id } : null;
  }

  async insertIdempotencyKey(
    manager: EntityManager,
    tenantId: string,
    key: string,
    fingerprint: string,
    customerId: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO customers.idempotency_keys (tenant_id, key, fingerprint, customer_id)
       VALUES ($1, $2, $3, $4)`,
      [tenantId, key, fingerprint, customerId],
    );
  }

  /**
   * Keyset pagination over (sort_name, id), which the customers_sort_idx index serves in order;
   * each word narrows through the trigram index on search_text.
   */
  async search(search: CustomerSearch): Promise<CustomerRow[]> {
    const params: unknown[] = [search.tenantId];
    const where = ['tenant_id = $1'];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (!search.includePassive) where.push(`status = 'active'`);
    if (search.createdFrom) where.push(`created_at >= ${param(search.createdFrom)}`);
    if (search.createdBefore) where.push(`created_at < ${param(search.createdBefore)}`);
    if (search.stationIds) where.push(`station_ids && ${param(search.stationIds)}::uuid[]`);
    for (const pattern of search.patterns) {
      where.push(`search_text LIKE customers.search_fold(${param(pattern)})`);
    }
    if (search.after) {
      where.push(
        `(sort_name, id) > (${param(search.after.sortName)}, ${param(search.after.id)}::uuid)`,
      );
    }
    return this.dataSource.query<CustomerRow[]>(
      `SELECT ${COLUMNS} FROM customers.customers
        WHERE ${where.join(' AND ')}
        ORDER BY sort_name, id
        LIMIT ${param(search.limit)}`,
      params,
    );
  }
}

function writeParams(write: CustomerWrite): unknown[] {
  return [
    write.kind,
    write.first_name,
    write.last_name,
    write.company_name,
    write.business_id,
    write.phone,
    write.phone_raw,
    write.phone_national,
    write.email,
    JSON.stringify(write.addresses),
    write.notes,
    write.status,
    write.customer_number,
    write.station_ids,
    JSON.stringify(write.external_ids),
  ];
}
