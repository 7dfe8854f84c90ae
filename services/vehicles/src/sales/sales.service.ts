import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  SALE_RECORDED_V1,
  saleTotalsProblems,
  type CallerContext,
  type CreateSaleDto,
  type CustomerSummaryView,
  type FieldError,
  type ListSalesQueryDto,
  type PageQueryDto,
  type SalePage,
  type SaleLineKind,
  type SaleView,
  type TimeRangeQueryDto,
  isUuid,
} from '@kanta/contracts';
import { CommandLog, Outbox, type OutboxEvent } from '@kanta/messaging';
import { RpcProblem, uuidv7, type WriteCommand } from '@kanta/platform';
import {
  notFound,
  requireTenant,
  seesStation,
  stationProblem,
  listedStations,
  taken,
  visibleStations,
} from '../caller-access';
import { millisecondTime, timeKeysetPage, transactionWithConflicts } from '../cursor';
import { CustomerAccess } from '../known-customers/customer-access';
import { correlationOf } from '../vehicles/vehicle-view';
import { VisitsRepository } from '../visits/visits.repository';
import {
  SALE_RECEIPT_UNIQUE,
  SalesRepository,
  type SaleFilter,
  type SaleRow,
} from './sales.repository';

export function toSaleView(row: SaleRow): SaleView {
  return {
    id: row.id,
    stationId: row.station_id,
    customerId: row.customer_id,
    visitId: row.visit_id,
    receiptNumber: row.receipt_number,
    receiptUrl: row.receipt_url,
    soldAt: new Date(row.sold_at).toISOString(),
    currency: row.currency,
    totalMinor: Number(row.total_minor),
    lines: row.lines,
    source: row.source,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/**
 * Amounts and ids only: no line names (they can describe a person's purchase); the lines' kinds
 * only as the sums of services and of products (the visits summary reports them apart).
 */
export function saleEvent(
  tenantId: string,
  row: SaleRow,
  correlationId: string | null,
): OutboxEvent<typeof SALE_RECORDED_V1> {
  return {
    type: SALE_RECORDED_V1,
    tenantId,
    correlationId,
    payload: {
      saleId: row.id,
      stationId: row.station_id,
      customerId: row.customer_id,
      visitId: row.visit_id,
      soldAt: new Date(row.sold_at).toISOString(),
      currency: row.currency,
      totalMinor: Number(row.total_minor),
      servicesMinor: sumOfLines(row, 'service'),
      productsMinor: sumOfLines(row, 'product'),
    },
  };
}

function sumOfLines(row: SaleRow, kind: SaleLineKind): number {
  return row.lines.filter((l) => l.kind === kind).reduce((total, l) => total + l.totalMinor, 0);
}

/** The totals rule as field errors: each line and the receipt must add up (see rules.ts). */
export function totalsErrors(sale: Pick<CreateSaleDto, 'lines' | 'totalMinor'>): FieldError[] {
  return saleTotalsProblems(sale.lines, sale.totalMinor).map((p) => ({
    field: p.field,
    reason: 'totals_mismatch',
    message: p.message,
  }));
}

/** Receipts and what a customer spent. A worker sees the sales of their own stations. */
@Injectable()
export class SalesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: SalesRepository,
    private readonly visits: VisitsRepository,
    private readonly customers: CustomerAccess,
    private readonly outbox: Outbox,
    private readonly commands: CommandLog,
  ) {}

  /** Records a receipt; the command delivered again answers the receipt it recorded. */
  async create(
    context: CallerContext,
    input: CreateSaleDto,
    command: WriteCommand,
  ): Promise<SaleView> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.createOnce(context, input, command),
      (earlier) => this.get(context, earlier.resultId ?? ''),
    );
  }

  private async createOnce(
    context: CallerContext,
    input: CreateSaleDto,
    command: WriteCommand,
  ): Promise<SaleView> {
    const tenant = requireTenant(context);
    const stationId = input.stationId ?? context.currentStationId;
    const errors: FieldError[] = [...stationProblem(context, stationId), ...totalsErrors(input)];
    // A sale of a visit is the visit's customer's, also when the receipt names only the visit.
    const customerId = input.customerId ?? null;
    let visitCustomer: string | null = null;
    if (input.visitId) {
      const visit = await this.visits.findById(tenant.id, input.visitId);
      visitCustomer = visit?.customer_id ?? null;
      if (!visit || !seesStation(context, visit.station_id)) {
        errors.push({
          field: 'visitId',
          reason: 'unknown_visit',
          message: 'visitId is not a visit you can see',
        });
      } else if (customerId && visit.customer_id && visit.customer_id !== customerId) {
        errors.push({
          field: 'customerId',
          reason: 'not_visit_customer',
          message: 'customerId is not the customer of the visit',
        });
      }
    }
    if (errors.length > 0) throw RpcProblem.validation(errors);
    if (input.customerId) await this.customers.require(context, tenant.id, input.customerId);
    // The customer the receipt will be for, as far as read so far: held before the visit.
    let expected = customerId ?? visitCustomer;
    for (;;) {
      const recorded = await this.record(context, input, command, stationId!, expected);
      if (recorded.sale) return recorded.sale;
      // The visit was given another customer between the two reads: again with that one.
      expected = recorded.owner;
    }
  }

  /**
   * The receipt, in a transaction that reads the customer it expects first (in the eraser's
   * order, CustomerAccess.isErased: an erased one is refused, one erased meanwhile waits), then
   * the visit under its lock; a visit whose customer is no longer the expected one records
   * nothing and answers its customer instead, rather than holding that one out of order.
   */
  private async record(
    context: CallerContext,
    input: CreateSaleDto,
    command: WriteCommand,
    stationId: string,
    expected: string | null,
  ): Promise<{ sale: SaleView; owner?: never } | { sale?: never; owner: string | null }> {
    const tenant = requireTenant(context);
    return transactionWithConflicts(
      this.dataSource,
      async (manager) => {
        // A receipt naming only the visit would be the visit's customer's: not an erased one's.
        if (expected) await this.customers.requireWritable(manager, tenant.id, expected);
        // Read again under its lock: a visit whose customer changes meanwhile moves its sales.
        const visit = input.visitId
          ? await this.visits.findById(tenant.id, input.visitId, manager, true)
          : null;
        const owner = input.customerId ?? visit?.customer_id ?? null;
        if (owner !== expected) return { owner };
        const row = (await this.repository.insert(manager, tenant.id, {
          id: uuidv7(),
          station_id: stationId,
          customer_id: owner,
          visit_id: input.visitId ?? null,
          booking_ref: null,
          receipt_number: input.receiptNumber,
          receipt_url: input.receiptUrl ?? null,
          sold_at: millisecondTime(input.soldAt),
          currency: input.currency,
          total_minor: input.totalMinor,
          lines: input.lines.map((l) => ({ ...l })),
          source: null,
          contact_event_id: null,
        }))!;
        await this.outbox.enqueue(manager, [saleEvent(tenant.id, row, correlationOf(context))]);
        await this.commands.record(manager, command, { id: row.id });
        return { sale: toSaleView(row) };
      },
      {
        [SALE_RECEIPT_UNIQUE]: () =>
          taken(
            'receipt-taken',
            'receiptNumber',
            'This station already has a receipt with this number.',
          ),
      },
    );
  }

  async get(context: CallerContext, id: string): Promise<SaleView> {
    const tenant = requireTenant(context);
    const row = isUuid(id) ? await this.repository.findById(tenant.id, id) : null;
    if (!row || !seesStation(context, row.station_id)) throw notFound('Sale');
    return toSaleView(row);
  }

  /** Receipts newest first: of a station, a customer, a visit, a time range; a worker's stations. */
  async list(context: CallerContext, query: ListSalesQueryDto): Promise<SalePage> {
    const tenant = requireTenant(context);
    const stationIds = listedStations(context, query.stationId);
    if (stationIds?.length === 0) return { items: [], nextCursor: null };
    return this.page(tenant.id, query, {
      stationIds,
      // A merged customer's history is its survivor's now.
      customerId: query.customerId
        ? await this.customers.survivorOf(tenant.id, query.customerId)
        : null,
      visitId: query.visitId ?? null,
    });
  }

  async ofCustomer(
    context: CallerContext,
    customerId: string,
    page: PageQueryDto,
  ): Promise<SalePage> {
    const tenant = requireTenant(context);
    const owner = await this.customers.requireVisible(context, tenant.id, customerId);
    return this.page(tenant.id, page, {
      stationIds: visibleStations(context),
      customerId: owner,
      visitId: null,
    });
  }

  private page(
    tenantId: string,
    query: TimeRangeQueryDto,
    filter: Pick<SaleFilter, 'stationIds' | 'customerId' | 'visitId'>,
  ): Promise<SalePage> {
    return timeKeysetPage(
      query,
      (window) => this.repository.list({ tenantId, ...filter, ...window }),
      toSaleView,
      (row) => row.sold_at,
    );
  }

  /** Spent on services and on products (per currency), visits by outcome, first and last visit. */
  async summary(context: CallerContext, customerId: string): Promise<CustomerSummaryView> {
    const tenant = requireTenant(context);
    const owner = await this.customers.requireVisible(context, tenant.id, customerId);
    const rows = await this.repository.summary(tenant.id, owner, visibleStations(context));
    const first = rows[0];
    return {
      customerId: owner,
      spent: rows
        .filter((r) => r.currency !== null)
        .map((r) => ({
          currency: r.currency!,
          servicesMinor: Number(r.services_minor),
          productsMinor: Number(r.products_minor),
          totalMinor: Number(r.services_minor) + Number(r.products_minor),
        })),
      visits: Number(first.completed),
      upcoming: Number(first.upcoming),
      cancelled: Number(first.cancelled),
      noShows: Number(first.no_shows),
      firstVisitAt: first.first_visit_at ? new Date(first.first_visit_at).toISOString() : null,
      lastVisitAt: first.last_visit_at ? new Date(first.last_visit_at).toISOString() : null,
    };
  }
}
