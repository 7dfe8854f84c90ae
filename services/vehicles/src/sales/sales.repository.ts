import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SaleLineDto } from '@kanta/contracts';
import type { WaitingTable } from '@kanta/messaging';

export interface SaleRow {
  id: string;
  station_id: string;
  customer_id: string | null;
  visit_id: string | null;
  receipt_number: string;
  receipt_url: string | null;
  sold_at: Date;
  currency: string;
  total_minor: string;
  lines: SaleLineDto[];
  source: string | null;
  created_at: Date;
}

export interface SaleInsert {
  id: string;
  station_id: string;
  customer_id: string | null;
  visit_id: string | null;
  booking_ref: string | null;
  receipt_number: string;
  receipt_url: string | null;
  sold_at: string;
  currency: string;
  total_minor: number;
  lines: SaleLineDto[];
  source: string | null;
  contact_event_id: string | null;
}

export interface SummaryRow {
  currency: string | null;
  services_minor: string | null;
  products_minor: string | null;
  completed: string;
  upcoming: string;
  cancelled: string;
  no_shows: string;
  first_visit_at: Date | null;
  last_visit_at: Date | null;
}

export interface SaleFilter {
  tenantId: string;
  /** Sales at any of these stations; null: every station. */
  stationIds: string[] | null;
  customerId: string | null;
  visitId: string | null;
  from: Date | null;
  before: Date | null;
  /** The last sale of the previous page. */
  after: { at: string; id: string } | null;
  limit: number;
}

/** The customer of the visit of the sale named `sale` in the statement (null without either). */
export const visitCustomerOf = (sale: string): string =>
  `(SELECT v.customer_id FROM vehicles.visits v
     WHERE v.tenant_id = ${sale}.tenant_id AND v.id = ${sale}.visit_id)`;

/**
 * Receipts waiting for the answer about their own contact (`contact_event_id`), as the relay's
 * clean-up of waiting rows gives up on them: after the retention from their insert, they wait
 * no more and take their visit's customer, if any.
 */
export const WAITING_RECEIPTS: WaitingTable = {
  table: 'sales',
  since: 'created_at',
  kept: {
    waiting: 'contact_event_id IS NOT NULL',
    giveUp: `contact_event_id = NULL,
      customer_id = coalesce(customer_id, ${visitCustomerOf('sales')})`,
  },
};

export const SALE_COLUMNS = `id, station_id, customer_id, visit_id, receipt_number, receipt_url,
  sold_at, currency, total_minor, lines, source, created_at`;

export const SALE_RECEIPT_UNIQUE = 'sales_receipt_unique';

type Runner = Pick<EntityManager, 'query'>;

@Injectable()
export class SalesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A receipt; the service and product sums are computed from its lines here, so they cannot
   * disagree with them. `onConflictDoNothing` makes a receipt delivered again a no-op (null).
   */
  async insert(
    manager: Runner,
    tenantId: string,
    s: SaleInsert,
    onConflictDoNothing = false,
  ): Promise<SaleRow | null> {
    const sum = (kind: string): number =>
      s.lines.filter((l) => l.kind === kind).reduce((total, l) => total + l.totalMinor, 0);
    const rows = await manager.query<SaleRow[]>(
      `INSERT INTO vehicles.sales (tenant_id, id, station_id, customer_id, visit_id, booking_ref,
         receipt_number, receipt_url, sold_at, currency, total_minor, services_minor,
         products_minor, lines, source, contact_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ${onConflictDoNothing ? 'ON CONFLICT (tenant_id, station_id, receipt_number) DO NOTHING' : ''}
       RETURNING ${SALE_COLUMNS}`,
      [
        tenantId,
        s.id,
        s.station_id,
        s.customer_id,
        s.visit_id,
        s.booking_ref,
        s.receipt_number,
        s.receipt_url,
        s.sold_at,
        s.currency,
        s.total_minor,
        sum('service'),
        sum('product'),
        JSON.stringify(s.lines),
        s.source,
        s.contact_event_id,
      ],
    );
    return rows[0] ?? null;
  }

  async findById(tenantId: string, id: string): Promise<SaleRow | null> {
    const rows = await this.dataSource.query<SaleRow[]>(
      `SELECT ${SALE_COLUMNS} FROM vehicles.sales WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /** Newest first; the keyset is (sold_at, id). */
  list(f: SaleFilter): Promise<SaleRow[]> {
    const values: unknown[] = [f.tenantId];
    const param = (value: unknown): string => `$${values.push(value)}`;
    const where: string[] = [];
    if (f.stationIds) where.push(`station_id = ANY(${param(f.stationIds)}::uuid[])`);
    if (f.customerId) where.push(`customer_id = ${param(f.customerId)}`);
    if (f.visitId) where.push(`visit_id = ${param(f.visitId)}`);
    if (f.from) where.push(`sold_at >= ${param(f.from)}`);
    if (f.before) where.push(`sold_at < ${param(f.before)}`);
    if (f.after) {
      where.push(`(sold_at, id) < (${param(f.after.at)}::timestamptz, ${param(f.after.id)}::uuid)`);
    }
    return this.dataSource.query<SaleRow[]>(
      `SELECT ${SALE_COLUMNS} FROM vehicles.sales
        WHERE tenant_id = $1 ${where.map((w) => `AND ${w}`).join(' ')}
        ORDER BY sold_at DESC, id DESC LIMIT ${param(f.limit)}`,
      values,
    );
  }

  /**
   * One row per currency spent in (or one row of nulls when nothing was bought), each with the
   * same visit counts: both sides in one round trip.
   */
  summary(
    tenantId: string,
    customerId: string,
    stationIds: string[] | null,
  ): Promise<SummaryRow[]> {
    const stations = stationIds ? 'AND station_id = ANY($3::uuid[])' : '';
    return this.dataSource.query<SummaryRow[]>(
      `WITH spent AS (
         SELECT currency, sum(services_minor) AS services_minor, sum(products_minor) AS products_minor
           FROM vehicles.sales WHERE tenant_id = $1 AND customer_id = $2 ${stations}
          GROUP BY currency
       ), visits AS (
         SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
                count(*) FILTER (WHERE status = 'booked' AND scheduled_at >= now()) AS upcoming,
                count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
                count(*) FILTER (WHERE status = 'no_show') AS no_shows,
                min(scheduled_at) FILTER (WHERE status = 'completed') AS first_visit_at,
                max(scheduled_at) FILTER (WHERE status = 'completed') AS last_visit_at
           FROM vehicles.visits WHERE tenant_id = $1 AND customer_id = $2 ${stations}
       )
       SELECT spent.*, visits.* FROM visits LEFT JOIN spent ON true ORDER BY spent.currency`,
      stationIds ? [tenantId, customerId, stationIds] : [tenantId, customerId],
    );
  }
}
