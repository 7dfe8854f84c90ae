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
 * newer one, so events may arrive in any order. The events of a batch are applied in one
 * statement.
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

/**
 * One row per customer, as if the events were applied in turn: the newest version, the first of
 * equals (the table refuses an equal version too). A newest event without `hasEmail`/`hasPhone`
 * (older producers left them out) keeps what the table knows.
 */
function newestPerCustomer(
  customers: { tenantId: string; facts: CustomerFacts }[],
): { tenantId: string; facts: CustomerFacts }[] {
  const newest = new Map<string, { tenantId: string; facts: CustomerFacts }>();
  for (const c of customers) {
    const key = `${c.tenantId}:${c.facts.customerId}`;
    const seen = newest.get(key);
    if (!seen || seen.facts.version < c.facts.version) newest.set(key, c);
  }
  // Sorted, so two transactions upserting overlapping customers wait, never deadlock.
  return [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
}

async function upsertCustomers(
  manager: EntityManager,
  customers: { tenantId: string; facts: CustomerFacts }[],
): Promise<void> {
  const rows = newestPerCustomer(customers);
  if (rows.length === 0) return;
  await manager.query(
    `WITH k AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::text[], $5::boolean[],
                            $6::boolean[], $7::int[])
         AS k(tenant_id, customer_id, stations, status, has_email, has_phone, version)
     )
     INSERT INTO consents.customers (tenant_id, customer_id, station_ids, status, has_email,
       has_phone, version)
     SELECT tenant_id, customer_id, ARRAY(SELECT jsonb_array_elements_text(stations))::uuid[],
            status, coalesce(has_email, false), coalesce(has_phone, false), version
       FROM k
     ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
       station_ids = EXCLUDED.station_ids, status = EXCLUDED.status,
       has_email = coalesce((SELECT k.has_email FROM k WHERE k.tenant_id = EXCLUDED.tenant_id
                               AND k.customer_id = EXCLUDED.customer_id), customers.has_email),
       has_phone = coalesce((SELECT k.has_phone FROM k WHERE k.tenant_id = EXCLUDED.tenant_id
                               AND k.customer_id = EXCLUDED.customer_id), customers.has_phone),
       version = EXCLUDED.version
     WHERE customers.version < EXCLUDED.version`,
    [
      rows.map((r) => r.tenantId),
      rows.map((r) => r.facts.customerId),
      // Arrays of different lengths do not make one 2-D array: each travels as JSON.
      rows.map((r) => JSON.stringify(r.facts.stationIds)),
      rows.map((r) => r.facts.status),
      rows.map((r) => r.facts.hasEmail ?? null),
      rows.map((r) => r.facts.hasPhone ?? null),
      rows.map((r) => r.facts.version),
    ],
  );
}
