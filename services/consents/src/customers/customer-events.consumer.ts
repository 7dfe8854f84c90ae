import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CUSTOMER_CREATED_V1, CUSTOMER_UPDATED_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

interface CustomerFacts {
  customerId: string;
  stationIds: string[];
  status: string;
  version: number;
  hasEmail?: boolean;
  hasPhone?: boolean;
}

/**
 * Learns customers from the customers service: which exist, their stations (who may see them)
 * and whether they can be reached by e-mail and phone. An older version never overwrites a
 * newer one, so events may arrive in any order. The events of a batch are applied in two
 * statements (new customers, then known ones).
 */
@Injectable()
export class CustomerEventsConsumer implements OnModuleInit {
  constructor(private readonly consumer: EventConsumer) {}

  onModuleInit(): void {
    const learn = (
      events: { tenantId: string | null; payload: CustomerFacts }[],
      manager: EntityManager,
    ): Promise<void> =>
      upsertCustomers(
        manager,
        events.flatMap((e) => (e.tenantId ? [{ tenantId: e.tenantId, facts: e.payload }] : [])),
      );
    this.consumer.onBatch(CUSTOMER_CREATED_V1, (events, { manager }) => learn(events, manager));
    this.consumer.onBatch(CUSTOMER_UPDATED_V1, (events, { manager }) => learn(events, manager));
  }
}

/** What a batch tells of one customer, as if its events were applied in turn. */
interface Learnt {
  tenantId: string;
  facts: CustomerFacts;
  /** The last event that raised the version and told `hasEmail`: its value and version. */
  email: { value: boolean; version: number } | null;
  phone: { value: boolean; version: number } | null;
}

/**
 * One row per customer, as if the events were applied in turn (the table refuses a version not
 * above its own): the newest version, the first of equals; `hasEmail` and `hasPhone` as the last
 * event that raised the version and told them left them (older producers left them out), to be
 * taken only where that event's version is above the table's too.
 */
function learnt(customers: { tenantId: string; facts: CustomerFacts }[]): Learnt[] {
  const byCustomer = new Map<string, Learnt>();
  for (const { tenantId, facts } of customers) {
    const key = `${tenantId}:${facts.customerId}`;
    const seen = byCustomer.get(key);
    if (seen && seen.facts.version >= facts.version) continue;
    const told = (value: boolean | undefined) =>
      value === undefined ? null : { value, version: facts.version };
    byCustomer.set(key, {
      tenantId,
      facts,
      email: told(facts.hasEmail) ?? seen?.email ?? null,
      phone: told(facts.hasPhone) ?? seen?.phone ?? null,
    });
  }
  // Sorted, so the inserts of two batches take their keys in one order. A deadlock between
  // batches fails one of them, which is then handled one by one: nothing is lost.
  return [...byCustomer.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
}

/**
 * New customers in one statement, known ones in a second: a row another transaction inserts
 * meanwhile is updated by the second like any other (READ COMMITTED sees it once committed), and
 * a row inserted by the first has the batch's version already, so the second leaves it alone.
 */
async function upsertCustomers(
  manager: EntityManager,
  customers: { tenantId: string; facts: CustomerFacts }[],
): Promise<void> {
  const rows = learnt(customers);
  if (rows.length === 0) return;
  const batch = `unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::text[], $5::int[],
                        $6::boolean[], $7::int[], $8::boolean[], $9::int[])
                   AS k(tenant_id, customer_id, stations, status, version,
                        has_email, email_version, has_phone, phone_version)`;
  const values = [
    rows.map((r) => r.tenantId),
    rows.map((r) => r.facts.customerId),
    // Arrays of different lengths do not make one 2-D array: each travels as JSON.
    rows.map((r) => JSON.stringify(r.facts.stationIds)),
    rows.map((r) => r.facts.status),
    rows.map((r) => r.facts.version),
    rows.map((r) => r.email?.value ?? null),
    rows.map((r) => r.email?.version ?? null),
    rows.map((r) => r.phone?.value ?? null),
    rows.map((r) => r.phone?.version ?? null),
  ];
  await manager.query(
    `INSERT INTO consents.customers (tenant_id, customer_id, station_ids, status, has_email,
       has_phone, version)
     SELECT k.tenant_id, k.customer_id, ARRAY(SELECT jsonb_array_elements_text(k.stations))::uuid[],
            k.status, coalesce(k.has_email, false), coalesce(k.has_phone, false), k.version
       FROM ${batch}
     ON CONFLICT (tenant_id, customer_id) DO NOTHING`,
    values,
  );
  await manager.query(
    `UPDATE consents.customers c SET
       station_ids = ARRAY(SELECT jsonb_array_elements_text(k.stations))::uuid[],
       status = k.status,
       has_email = CASE WHEN k.email_version > c.version THEN k.has_email ELSE c.has_email END,
       has_phone = CASE WHEN k.phone_version > c.version THEN k.has_phone ELSE c.has_phone END,
       version = k.version
       FROM ${batch}
      WHERE c.tenant_id = k.tenant_id AND c.customer_id = k.customer_id AND c.version < k.version`,
    values,
  );
}
