import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  type CallerContext,
  type CustomerCreatedV1,
  type CustomerUpdatedV1,
} from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { RpcProblem } from '@kanta/platform';
import { VEHICLES_OPTIONS, type VehiclesAppOptions } from '../app-options';
import { notFound, seesAnyStation } from '../caller-access';
import { isUuid } from '../cursor';

export interface KnownCustomer {
  id: string;
  station_ids: string[];
  status: 'active' | 'passive';
}

const POLL_MS = 25;

/** What this service keeps of a customer, as the customers service's events tell it. */
type CustomerFacts =
  | CustomerCreatedV1
  | CustomerUpdatedV1
  | { customerId: string; stationIds: string[]; status: 'active'; version: number };

/**
 * The customers this service has heard of, from the customers service's events: ids, stations
 * and status only (no names, no contacts). A write that names a customer needs it known here; a
 * customer created a moment ago may not be yet (its event is milliseconds behind the create), so
 * writes wait a short while (VEHICLES_CUSTOMER_WAIT_MS) for it before answering 422.
 */
@Injectable()
export class KnownCustomers implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventConsumer,
    @Inject(VEHICLES_OPTIONS) private readonly options: VehiclesAppOptions,
  ) {}

  onModuleInit(): void {
    const rememberAll = (
      events: { tenantId: string | null; payload: CustomerFacts }[],
      manager: EntityManager,
    ): Promise<void> =>
      this.rememberMany(
        manager,
        events.flatMap((e) => (e.tenantId ? [{ tenantId: e.tenantId, customer: e.payload }] : [])),
      );
    this.events.onBatch(CUSTOMER_CREATED_V1, (events, { manager }) => rememberAll(events, manager));
    this.events.onBatch(CUSTOMER_UPDATED_V1, (events, { manager }) => rememberAll(events, manager));
  }

  /** Keeps the newest version of each customer; an older event arriving late changes nothing. */
  async rememberMany(
    manager: EntityManager,
    customers: { tenantId: string; customer: CustomerFacts }[],
  ): Promise<void> {
    // One row per customer, as if applied in turn: the newest version, the later of equals.
    const newest = new Map<string, { tenantId: string; customer: CustomerFacts }>();
    for (const c of customers) {
      const key = `${c.tenantId}:${c.customer.customerId}`;
      const seen = newest.get(key);
      if (!seen || seen.customer.version <= c.customer.version) newest.set(key, c);
    }
    const rows = [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO vehicles.known_customers (tenant_id, id, station_ids, status, version)
       SELECT k.tenant_id, k.id, ARRAY(SELECT jsonb_array_elements_text(k.stations))::uuid[],
              k.status, k.version
         FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::text[], $5::int[])
           AS k(tenant_id, id, stations, status, version)
       ON CONFLICT (tenant_id, id) DO UPDATE
         SET station_ids = EXCLUDED.station_ids, status = EXCLUDED.status,
             version = EXCLUDED.version
         WHERE known_customers.version <= EXCLUDED.version`,
      [
        rows.map((r) => r.tenantId),
        rows.map((r) => r.customer.customerId),
        // Arrays of different lengths do not make one 2-D array: each travels as JSON.
        rows.map((r) => JSON.stringify(r.customer.stationIds)),
        rows.map((r) => r.customer.status),
        rows.map((r) => r.customer.version),
      ],
    );
  }

  async find(tenantId: string, id: string): Promise<KnownCustomer | null> {
    const rows = await this.dataSource.query<KnownCustomer[]>(
      'SELECT id, station_ids, status FROM vehicles.known_customers WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /** The customer if the caller may see it; reads do not wait for a customer not yet known. */
  async visible(
    context: CallerContext,
    tenantId: string,
    id: string,
  ): Promise<KnownCustomer | null> {
    const customer = await this.find(tenantId, id);
    return customer && seesAnyStation(context, customer.station_ids) ? customer : null;
  }

  /** A customer whose records the caller asks for: one they may see, else a 404 for it. */
  async requireVisible(context: CallerContext, tenantId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await this.visible(context, tenantId, id))) throw notFound('Customer');
  }

  /**
   * A customer a write may reference: known here (waiting up to `waitMs` for its event) and
   * visible to the caller; otherwise a 422 on `field`.
   */
  async require(
    context: CallerContext,
    tenantId: string,
    id: string,
    field = 'customerId',
  ): Promise<KnownCustomer> {
    const deadline = Date.now() + (this.options.customerWaitMs ?? 3000);
    for (;;) {
      const customer = await this.find(tenantId, id);
      if (customer) {
        if (seesAnyStation(context, customer.station_ids)) return customer;
        break;
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw RpcProblem.validation([
      { field, reason: 'unknown_customer', message: `${field} is not a customer you can see` },
    ]);
  }
}
