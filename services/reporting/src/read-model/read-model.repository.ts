import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type {
  ConsentPreferencesChangedV1,
  ConsentRecordedV1,
  CustomerReportableV1,
  SaleRecordedV1,
  VehicleStateV1,
  VisitEventV1,
} from '@kanta/contracts';

/** One event's payload with its tenant and time, as the read model applies it. */
export interface Applied<P> {
  tenantId: string;
  occurredAt: string;
  payload: P;
}

/**
 * The customer whatever names `<alias>.customer_id` belongs to here: the survivor of a merge this
 * service has folded and not undone (a visit or sale of the duplicate arriving late), else itself.
 */
const survivorOf = (alias: string): string =>
  `coalesce((SELECT m.survivor_id FROM reporting.customer_merges m
              WHERE m.tenant_id = ${alias}.tenant_id AND m.duplicate_id = ${alias}.customer_id
                AND m.undone_at IS NULL
              ORDER BY m.merged_at DESC LIMIT 1), ${alias}.customer_id)`;

/** Whether the customer of `<alias>` is erased here: nothing of theirs is recorded again. */
const erased = (alias: string): string =>
  `EXISTS (SELECT 1 FROM reporting.customers e
            WHERE e.tenant_id = ${alias}.tenant_id AND e.customer_id = ${alias}.customer_id
              AND e.status = 'erased')`;

/**
 * The read model's writes, each one statement for a whole batch of events (a partner's batch of
 * a thousand customers is one INSERT), each by the one rule of its table: the newest version
 * (or entry) wins, whatever order events arrive in; an event at or below the stored version
 * changes nothing. A batch has the effect of its events applied one by one: of several events
 * about one row, the newest is kept (the first of equals), before the statement.
 */
@Injectable()
export class ReadModelRepository {
  /**
   * Cards from the reporting stream. Erased is final: once a row is erased (by the card's own
   * event or by this service's erasure, whichever came first), only another erased version —
   * the shell — is applied, and a shell never carries a personal field.
   */
  async applyCards(manager: EntityManager, events: Applied<CustomerReportableV1>[]): Promise<void> {
    const rows = newestOf(
      events,
      (p) => p.customerId,
      (p) => p.version,
    );
    if (rows.length === 0) return;
    const personal = (field: string): string =>
      `CASE WHEN r.status = 'erased' THEN NULL ELSE r.${field} END`;
    await manager.query(
      `INSERT INTO reporting.customers AS c (tenant_id, customer_id, version, kind, status,
         customer_number, first_name, last_name, company_name, phone, email, street, postal_code,
         city, country, notes, station_ids, group_ids, regular_of_user_id, leasing_company,
         internal, created_at, merged_into)
       SELECT r.tenant_id, r.customer_id, r.version, r.kind, r.status, r.customer_number,
              ${personal('first_name')}, ${personal('last_name')}, ${personal('company_name')},
              ${personal('phone')}, ${personal('email')}, ${personal('street')},
              ${personal('postal_code')}, ${personal('city')}, ${personal('country')},
              ${personal('notes')},
              ARRAY(SELECT jsonb_array_elements_text(r.station_ids))::uuid[],
              ARRAY(SELECT jsonb_array_elements_text(r.group_ids))::uuid[],
              r.regular_of_user_id, r.leasing_company, r.internal, r.created_at, r.merged_into
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, customer_id uuid, version int,
              kind text, status text, customer_number text, first_name text, last_name text,
              company_name text, phone text, email text, street text, postal_code text,
              city text, country text, notes text, station_ids jsonb, group_ids jsonb,
              regular_of_user_id uuid, leasing_company boolean, internal boolean,
              created_at timestamptz, merged_into uuid)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
         version = EXCLUDED.version, kind = EXCLUDED.kind, status = EXCLUDED.status,
         customer_number = EXCLUDED.customer_number, first_name = EXCLUDED.first_name,
         last_name = EXCLUDED.last_name, company_name = EXCLUDED.company_name,
         phone = EXCLUDED.phone, email = EXCLUDED.email, street = EXCLUDED.street,
         postal_code = EXCLUDED.postal_code, city = EXCLUDED.city, country = EXCLUDED.country,
         notes = EXCLUDED.notes, station_ids = EXCLUDED.station_ids,
         group_ids = EXCLUDED.group_ids, regular_of_user_id = EXCLUDED.regular_of_user_id,
         leasing_company = EXCLUDED.leasing_company, internal = EXCLUDED.internal,
         created_at = EXCLUDED.created_at, merged_into = EXCLUDED.merged_into
       WHERE c.version < EXCLUDED.version AND (c.status <> 'erased' OR EXCLUDED.status = 'erased')`,
      [
        JSON.stringify(
          rows.map(({ tenantId, payload: p }) => ({
            tenant_id: tenantId,
            customer_id: p.customerId,
            version: p.version,
            kind: p.kind,
            status: p.status,
            customer_number: p.customerNumber,
            first_name: p.firstName ?? null,
            last_name: p.lastName ?? null,
            company_name: p.companyName ?? null,
            phone: p.phone ?? null,
            email: p.email ?? null,
            street: p.street ?? null,
            postal_code: p.postalCode ?? null,
            city: p.city ?? null,
            country: p.country ?? null,
            notes: p.notes ?? null,
            station_ids: p.stationIds,
            group_ids: p.groupIds,
            regular_of_user_id: p.regularOfUserId ?? null,
            leasing_company: p.leasingCompany,
            internal: p.internal,
            created_at: p.createdAt,
            merged_into: p.mergedInto ?? null,
          })),
        ),
      ],
    );
  }

  /** Visits, newest version wins; one naming a folded duplicate goes to its survivor. */
  async applyVisits(manager: EntityManager, events: Applied<VisitEventV1>[]): Promise<void> {
    const rows = newestOf(
      events,
      (p) => p.visitId,
      (p) => p.version,
    );
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO reporting.visits AS v (tenant_id, visit_id, version, customer_id, station_id,
         vehicle_id, kind, channel, status, scheduled_at)
       SELECT r.tenant_id, r.visit_id, r.version, ${survivorOf('r')}, r.station_id, r.vehicle_id,
              r.kind, r.channel, r.status, r.scheduled_at
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, visit_id uuid, version int,
              customer_id uuid, station_id uuid, vehicle_id uuid, kind text, channel text,
              status text, scheduled_at timestamptz)
       ON CONFLICT (tenant_id, visit_id) DO UPDATE SET
         version = EXCLUDED.version, customer_id = EXCLUDED.customer_id,
         station_id = EXCLUDED.station_id, vehicle_id = EXCLUDED.vehicle_id,
         kind = EXCLUDED.kind, channel = EXCLUDED.channel, status = EXCLUDED.status,
         scheduled_at = EXCLUDED.scheduled_at
       WHERE v.version < EXCLUDED.version`,
      [
        JSON.stringify(
          rows.map(({ tenantId, payload: p }) => ({
            tenant_id: tenantId,
            visit_id: p.visitId,
            version: p.version,
            customer_id: p.customerId,
            station_id: p.stationId,
            vehicle_id: p.vehicleId,
            kind: p.kind,
            channel: p.channel,
            status: p.status,
            scheduled_at: p.scheduledAt,
          })),
        ),
      ],
    );
  }

  /**
   * Sales are recorded once: a second delivery changes nothing, but for the sums of services and
   * products a sale recorded without them (an event from before they were added) takes from a
   * later one (the rebuild's page).
   */
  async applySales(manager: EntityManager, events: Applied<SaleRecordedV1>[]): Promise<void> {
    const rows = newestOf(
      events,
      (p) => p.saleId,
      () => 1,
    );
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO reporting.sales AS s (tenant_id, sale_id, customer_id, station_id, visit_id,
         sold_at, currency, total_minor, services_minor, products_minor)
       SELECT r.tenant_id, r.sale_id, ${survivorOf('r')}, r.station_id, r.visit_id, r.sold_at,
              r.currency, r.total_minor, r.services_minor, r.products_minor
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, sale_id uuid, customer_id uuid,
              station_id uuid, visit_id uuid, sold_at timestamptz, currency text,
              total_minor bigint, services_minor bigint, products_minor bigint)
       ON CONFLICT (tenant_id, sale_id) DO UPDATE SET
         services_minor = EXCLUDED.services_minor, products_minor = EXCLUDED.products_minor
       WHERE s.services_minor IS NULL AND EXCLUDED.services_minor IS NOT NULL`,
      [
        JSON.stringify(
          rows.map(({ tenantId, payload: p }) => ({
            tenant_id: tenantId,
            sale_id: p.saleId,
            customer_id: p.customerId,
            station_id: p.stationId,
            visit_id: p.visitId,
            sold_at: p.soldAt,
            currency: p.currency,
            total_minor: p.totalMinor,
            services_minor: p.servicesMinor ?? null,
            products_minor: p.productsMinor ?? null,
          })),
        ),
      ],
    );
  }

  /** Vehicles (plate, VIN, who owns or uses them), newest version wins. */
  async applyVehicles(manager: EntityManager, events: Applied<VehicleStateV1>[]): Promise<void> {
    const rows = newestOf(
      events,
      (p) => p.vehicleId,
      (p) => p.version,
    );
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO reporting.vehicles AS h (tenant_id, vehicle_id, version, registration, vin,
         customers)
       SELECT r.tenant_id, r.vehicle_id, r.version, r.registration, r.vin, r.customers
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, vehicle_id uuid, version int,
              registration text, vin text, customers jsonb)
       ON CONFLICT (tenant_id, vehicle_id) DO UPDATE SET
         version = EXCLUDED.version, registration = EXCLUDED.registration,
         vin = EXCLUDED.vin, customers = EXCLUDED.customers
       WHERE h.version < EXCLUDED.version`,
      [
        JSON.stringify(
          rows.map(({ tenantId, payload: p }) => ({
            tenant_id: tenantId,
            vehicle_id: p.vehicleId,
            version: p.version,
            registration: p.registration,
            vin: p.vin,
            customers: p.customers,
          })),
        ),
      ],
    );
  }

  /**
   * The current decision per purpose: the newest ledger entry (UUIDv7 ids sort by time; the
   * consents service's own rule), a merge's undo entry saying "no decision" included (null),
   * with the consent text it was given under. An erased customer's decisions are not recorded
   * again. The same entry again completes a text the row lacks (a row from before texts were
   * kept, refilled by the rebuild) and changes nothing else.
   */
  async applyConsents(manager: EntityManager, events: Applied<ConsentRecordedV1>[]): Promise<void> {
    const rows = newestOf(
      events,
      (p) => `${p.customerId}:${p.purpose}`,
      (p) => p.entryId,
    );
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO reporting.consents AS k (tenant_id, customer_id, purpose, entry_id, decision,
         recorded_at, text_id, text_version)
       SELECT r.tenant_id, r.customer_id, r.purpose, r.entry_id, r.decision, r.recorded_at,
              r.text_id, r.text_version
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, customer_id uuid, purpose text,
              entry_id uuid, decision text, recorded_at timestamptz, text_id uuid,
              text_version integer)
        WHERE NOT ${erased('r')}
       ON CONFLICT (tenant_id, customer_id, purpose) DO UPDATE SET
         entry_id = EXCLUDED.entry_id, decision = EXCLUDED.decision,
         recorded_at = EXCLUDED.recorded_at, text_id = EXCLUDED.text_id,
         text_version = EXCLUDED.text_version
       WHERE k.entry_id < EXCLUDED.entry_id
          OR (k.entry_id = EXCLUDED.entry_id AND k.text_id IS NULL
              AND EXCLUDED.text_id IS NOT NULL)`,
      [
        JSON.stringify(
          rows.map(({ tenantId, payload: p }) => ({
            tenant_id: tenantId,
            customer_id: p.customerId,
            purpose: p.purpose,
            entry_id: p.entryId,
            decision: p.decision,
            recorded_at: p.recordedAt,
            text_id: p.textId,
            text_version: p.textVersion,
          })),
        ),
      ],
    );
  }

  /** Communication preferences, newest version wins; not recorded again for an erased one. */
  async applyPreferences(
    manager: EntityManager,
    events: Applied<ConsentPreferencesChangedV1>[],
  ): Promise<void> {
    const rows = newestOf(
      events,
      (p) => p.customerId,
      (p) => p.version,
    );
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO reporting.preferences AS p (tenant_id, customer_id, version, blocked,
         preferred_channel)
       SELECT r.tenant_id, r.customer_id, r.version, r.blocked, r.preferred_channel
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, customer_id uuid, version int,
              blocked boolean, preferred_channel text)
        WHERE NOT ${erased('r')}
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
         version = EXCLUDED.version, blocked = EXCLUDED.blocked,
         preferred_channel = EXCLUDED.preferred_channel
       WHERE p.version < EXCLUDED.version`,
      [
        JSON.stringify(
          rows.map(({ tenantId, payload: p }) => ({
            tenant_id: tenantId,
            customer_id: p.customerId,
            version: p.version,
            blocked: p.blocked,
            preferred_channel: p.preferredChannel,
          })),
        ),
      ],
    );
  }

  /**
   * Records, per tenant and event type, the time of the newest event applied (its occurredAt)
   * and now: each report states the tenant's newest as its freshness. A row per type: a
   * transaction handling several types takes each one's row after that type's rows, so two
   * batches never wait for each other on it; tenants in one order.
   */
  async touch(
    manager: EntityManager,
    eventType: string,
    events: Applied<unknown>[],
  ): Promise<void> {
    const newest = new Map<string, string>();
    for (const { tenantId, occurredAt } of events) {
      const seen = newest.get(tenantId);
      if (!seen || Date.parse(seen) < Date.parse(occurredAt)) newest.set(tenantId, occurredAt);
    }
    if (newest.size === 0) return;
    const tenants = [...newest.keys()].sort();
    await manager.query(
      `INSERT INTO reporting.freshness AS f (tenant_id, event_type, last_event_at, applied_at)
       SELECT t.tenant_id, $3, t.last_event_at, now()
         FROM unnest($1::uuid[], $2::timestamptz[]) AS t(tenant_id, last_event_at)
       ON CONFLICT (tenant_id, event_type) DO UPDATE SET
         last_event_at = greatest(f.last_event_at, EXCLUDED.last_event_at),
         applied_at = EXCLUDED.applied_at`,
      [tenants, tenants.map((t) => newest.get(t)), eventType],
    );
  }
}

/**
 * One event per row key and tenant, as if applied in turn: the highest version (or entry id),
 * the first of equals; sorted by key, so two batches take their rows' locks in one order.
 */
function newestOf<P>(
  events: Applied<P>[],
  key: (payload: P) => string,
  version: (payload: P) => number | string,
): Applied<P>[] {
  const byKey = new Map<string, Applied<P>>();
  for (const event of events) {
    const k = `${event.tenantId}:${key(event.payload)}`;
    const seen = byKey.get(k);
    if (seen && version(seen.payload) >= version(event.payload)) continue;
    byKey.set(k, event);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, e]) => e);
}
