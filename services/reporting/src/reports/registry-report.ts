import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid, RegistryCriteriaDto, type CallerContext } from '@kanta/contracts';
import { CsvWriter, XlsxWriter, type ReportColumn } from '@kanta/reports';
import { RpcProblem } from '@kanta/platform';
import type { Writable } from 'node:stream';
import {
  checkedCriteria,
  writeInPages,
  type BatchWritten,
  type ReportDefinition,
} from './report-definition';
import type { ReportJobRecord } from './report-jobs.repository';
import { reportFileFormat } from './report-about';
import { REGISTRY_HEADERS, REGISTRY_SHEETS, VEHICLE_ROLES } from './report-labels';

/** Whose registry: the tenant's, or only one staff member's regulars. */
interface RegistryScope {
  tenantId: string;
  regularOfUserId: string | null;
}

interface CustomerRow {
  customer_id: string;
  customer_number: string | null;
  name: string | null;
  phone: string | null;
  street: string | null;
  postal_code: string | null;
  city: string | null;
  notes: string | null;
  marketing: string | null;
  created_at: Date | null;
}

interface VehicleRow {
  vehicle_id: string;
  customer_id: string;
  name: string | null;
  registration: string;
  vin: string | null;
  role: string;
}

/** The registry's customers: live cards only (not erased, not merged into another). */
const CUSTOMER_FILTER = `c.tenant_id = $1 AND c.status NOT IN ('erased', 'merged')
  AND ($2::uuid IS NULL OR c.regular_of_user_id = $2)`;
/** A card's name: the company's, or first and last (alias `c`). */
export const NAME = `COALESCE(c.company_name, NULLIF(trim(concat_ws(' ', c.first_name, c.last_name)), ''))`;

/**
 * Timma's and FixIQ's registry: every customer (or a worker's regulars) with name, phone,
 * address, notes, marketing consents (the purposes granted), created at and id; the XLSX adds a
 * sheet of their vehicles (plate, VIN, owner or proxy). Make, model and year are in no event
 * yet, so there are no such columns. Rows come from the read model in keyset pages.
 */
@Injectable()
export class RegistryReport implements ReportDefinition {
  readonly type = 'registry';
  readonly forWorkers = true;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Unknown or invalid fields are 422 (named `criteria.…`); a worker sees only their own regulars
   * (the default for them), naming another user is 403.
   */
  async criteria(
    context: CallerContext,
    raw: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const criteria = await checkedCriteria(RegistryCriteriaDto, raw, (checked) =>
      checked.regularOfUserId !== undefined && !isUuid(checked.regularOfUserId)
        ? [
            {
              field: 'regularOfUserId',
              reason: 'invalid_format',
              message: 'regularOfUserId must be a UUID',
            },
          ]
        : [],
    );
    if (context.role !== 'worker') return { ...criteria };
    if (criteria.regularOfUserId !== undefined && criteria.regularOfUserId !== context.userId) {
      throw RpcProblem.forbidden(
        'A worker can report only the customers whose regular staff member they are: ' +
          'criteria.regularOfUserId must be your own user id, or left out.',
      );
    }
    return { regularOfUserId: context.userId };
  }

  /** The rows the report will have (customers, and vehicle links in XLSX), for its progress. */
  async count(job: ReportJobRecord): Promise<number> {
    const scope = scopeOf(job);
    const [customers] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM reporting.customers c WHERE ${CUSTOMER_FILTER}`,
      [scope.tenantId, scope.regularOfUserId],
    );
    if (job.format === 'csv') return customers.count;
    const [vehicles] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count
         FROM reporting.vehicles v
        CROSS JOIN LATERAL jsonb_array_elements(v.customers) e
         JOIN reporting.customers c
           ON c.tenant_id = v.tenant_id AND c.customer_id = (e->>'customerId')::uuid
        WHERE v.tenant_id = $1 AND ${CUSTOMER_FILTER}`,
      [scope.tenantId, scope.regularOfUserId],
    );
    return customers.count + vehicles.count;
  }

  async write(job: ReportJobRecord, out: Writable, written: BatchWritten): Promise<number> {
    const scope = scopeOf(job);
    const { locale } = job;
    const format = reportFileFormat(job);
    const h = (key: keyof typeof REGISTRY_HEADERS) => REGISTRY_HEADERS[key][locale];
    const customerColumns: ReportColumn[] = [
      { header: h('name'), type: 'text', width: 28 },
      { header: h('phone'), type: 'phone' },
      { header: h('address'), type: 'text', width: 28 },
      { header: h('postalCode'), type: 'text', width: 12 },
      { header: h('city'), type: 'text', width: 18 },
      { header: h('notes'), type: 'text', width: 40 },
      { header: h('marketing'), type: 'raw', width: 24 },
      { header: h('createdAt'), type: 'date' },
      { header: h('number'), type: 'raw', width: 14 },
      { header: h('id'), type: 'raw', width: 38 },
    ];
    const customerCells = (row: CustomerRow) => [
      row.name,
      row.phone,
      row.street,
      row.postal_code,
      row.city,
      row.notes,
      row.marketing,
      row.created_at,
      row.customer_number,
      row.customer_id,
    ];
    let rows = 0;
    if (job.format === 'csv') {
      const csv = new CsvWriter(out, customerColumns, format);
      rows = await this.customers(scope, rows, written, async (row) =>
        csv.addRow(customerCells(row)),
      );
      await csv.finish();
      return rows;
    }
    const book = new XlsxWriter(out, format);
    const customers = book.addSheet(REGISTRY_SHEETS.customers[locale], customerColumns);
    rows = await this.customers(scope, rows, written, (row) =>
      customers.addRow(customerCells(row)),
    );
    const vehicles = book.addSheet(REGISTRY_SHEETS.vehicles[locale], [
      { header: h('plate'), type: 'text', width: 14 },
      { header: h('vin'), type: 'text', width: 20 },
      { header: h('role'), type: 'raw', width: 14 },
      { header: h('name'), type: 'text', width: 28 },
      { header: h('id'), type: 'raw', width: 38 },
    ]);
    rows = await this.vehicles(scope, rows, written, (row) =>
      vehicles.addRow([
        row.registration,
        row.vin,
        VEHICLE_ROLES[row.role]?.[locale] ?? row.role,
        row.name,
        row.customer_id,
      ]),
    );
    await book.finish();
    return rows;
  }

  private customers(
    scope: RegistryScope,
    rowsBefore: number,
    written: BatchWritten,
    add: (row: CustomerRow) => Promise<void>,
  ): Promise<number> {
    return writeInPages(
      (after: string | null, limit) =>
        this.dataSource.query<CustomerRow[]>(
          `SELECT c.customer_id, c.customer_number, ${NAME} AS name, c.phone, c.street,
                  c.postal_code, c.city, c.notes, c.created_at,
                  (SELECT string_agg(k.purpose, ', ' ORDER BY k.purpose) FROM reporting.consents k
                    WHERE k.tenant_id = c.tenant_id AND k.customer_id = c.customer_id
                      AND k.decision = 'granted') AS marketing
             FROM reporting.customers c
            WHERE ${CUSTOMER_FILTER} AND ($3::uuid IS NULL OR c.customer_id > $3)
            ORDER BY c.customer_id LIMIT $4`,
          [scope.tenantId, scope.regularOfUserId, after, limit],
        ),
      (row) => row.customer_id,
      (batch) => batch.map((row) => row.customer_id),
      add,
      rowsBefore,
      written,
    );
  }

  private vehicles(
    scope: RegistryScope,
    rowsBefore: number,
    written: BatchWritten,
    add: (row: VehicleRow) => Promise<void>,
  ): Promise<number> {
    return writeInPages(
      (after: [string, string] | null, limit) =>
        this.dataSource.query<VehicleRow[]>(
          `SELECT v.vehicle_id, c.customer_id, ${NAME} AS name, v.registration, v.vin,
                  e->>'role' AS role
             FROM reporting.vehicles v
            CROSS JOIN LATERAL jsonb_array_elements(v.customers) e
             JOIN reporting.customers c
               ON c.tenant_id = v.tenant_id AND c.customer_id = (e->>'customerId')::uuid
            WHERE v.tenant_id = $1 AND ${CUSTOMER_FILTER}
              AND ($3::uuid IS NULL OR (v.vehicle_id, c.customer_id) > ($3::uuid, $4::uuid))
            ORDER BY v.vehicle_id, c.customer_id LIMIT $5`,
          [scope.tenantId, scope.regularOfUserId, after?.[0] ?? null, after?.[1] ?? null, limit],
        ),
      (row): [string, string] => [row.vehicle_id, row.customer_id],
      (batch) => batch.map((row) => row.customer_id),
      add,
      rowsBefore,
      written,
    );
  }
}

/** Whose registry the job's criteria ask for: the tenant's, or one staff member's regulars. */
function scopeOf(job: ReportJobRecord): RegistryScope {
  return {
    tenantId: job.tenantId,
    regularOfUserId: (job.criteria.regularOfUserId as string | undefined) ?? null,
  };
}
