import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { VehicleStateV1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

/** A vehicle's searchable state as one of its events carries it. */
export interface VehicleChange {
  tenantId: string;
  vehicle: VehicleStateV1;
}

/**
 * Keeps the plates and VINs of each customer's vehicles (vehicles.vehicle.*.v1 events carry the
 * vehicle's whole searchable state and a version) and refreshes `vehicle_text` of every customer
 * whose vehicles changed. An event older than the version already applied changes nothing, so
 * redelivered and reordered events converge. A batch of events is applied in four statements.
 */
@Injectable()
export class VehicleSearchConsumer implements OnModuleInit {
  constructor(private readonly events: EventConsumer) {}

  onModuleInit(): void {
    this.events.onBatchPattern('vehicles.vehicle.*.v1', async (events, { manager }) => {
      await this.applyAll(
        manager,
        events.flatMap((event) =>
          event.tenantId === null
            ? []
            : [{ tenantId: event.tenantId, vehicle: event.payload as VehicleStateV1 }],
        ),
      );
    });
  }

  apply(manager: EntityManager, tenantId: string, vehicle: VehicleStateV1): Promise<void> {
    return this.applyAll(manager, [{ tenantId, vehicle }]);
  }

  async applyAll(manager: EntityManager, changes: VehicleChange[]): Promise<void> {
    // Of several states of one vehicle only the newest can win (an equal version applied second
    // changes nothing); sorted, so concurrent batches lock their version rows in one order.
    const newest = new Map<string, VehicleChange>();
    for (const change of changes) {
      const key = `${change.tenantId}:${change.vehicle.vehicleId}`;
      const seen = newest.get(key);
      if (!seen || seen.vehicle.version < change.vehicle.version) newest.set(key, change);
    }
    const candidates = [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
    if (candidates.length === 0) return;
    const newer = await manager.query<{ tenant_id: string; vehicle_id: string }[]>(
      `INSERT INTO customers.vehicle_versions (tenant_id, vehicle_id, version)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])
       ON CONFLICT (tenant_id, vehicle_id) DO UPDATE SET version = EXCLUDED.version
         WHERE vehicle_versions.version < EXCLUDED.version
       RETURNING tenant_id, vehicle_id`,
      [
        candidates.map((c) => c.tenantId),
        candidates.map((c) => c.vehicle.vehicleId),
        candidates.map((c) => c.vehicle.version),
      ],
    );
    if (newer.length === 0) return;
    const applied = newer.map((r) => newest.get(`${r.tenant_id}:${r.vehicle_id}`)!);
    const erased = await lockCustomers(manager, applied);
    // TypeORM answers a DELETE … RETURNING as [rows, affected].
    const [before] = await manager.query<[{ tenant_id: string; customer_id: string }[], number]>(
      `DELETE FROM customers.customer_vehicles v
        USING unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, vehicle_id)
        WHERE v.tenant_id = k.tenant_id AND v.vehicle_id = k.vehicle_id
       RETURNING v.tenant_id, v.customer_id`,
      [applied.map((c) => c.tenantId), applied.map((c) => c.vehicle.vehicleId)],
    );
    const links = applied.flatMap(({ tenantId, vehicle }) =>
      vehicle.customers
        .filter((c) => !erased.has(`${tenantId}:${c.customerId}`))
        .map((c) => ({ tenantId, vehicle, customerId: c.customerId })),
    );
    if (links.length > 0) {
      await manager.query(
        `INSERT INTO customers.customer_vehicles (tenant_id, vehicle_id, customer_id, registration, vin)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[])`,
        [
          links.map((l) => l.tenantId),
          links.map((l) => l.vehicle.vehicleId),
          links.map((l) => l.customerId),
          links.map((l) => l.vehicle.registration),
          links.map((l) => l.vehicle.vin),
        ],
      );
    }
    const affected = [
      ...new Set([
        ...before.map((r) => `${r.tenant_id}:${r.customer_id}`),
        ...links.map((l) => `${l.tenantId}:${l.customerId}`),
      ]),
    ]
      .sort()
      .map((key) => key.split(':'));
    await refreshVehicleText(manager, affected);
  }
}

/**
 * Sets `vehicle_text` (the plates and VINs search reads) of these customers, `[tenantId, id]`,
 * from their rows in customer_vehicles: after their links changed (a vehicle event, a merge).
 */
export async function refreshVehicleText(
  manager: EntityManager,
  customers: string[][],
): Promise<void> {
  if (customers.length === 0) return;
  await manager.query(
    `UPDATE customers.customers c
        SET vehicle_text = (
          SELECT customers.vehicle_fold(string_agg(v.registration || coalesce('|' || v.vin, ''), '|'))
            FROM customers.customer_vehicles v
           WHERE v.tenant_id = c.tenant_id AND v.customer_id = c.id)
       FROM unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, id)
      WHERE c.tenant_id = k.tenant_id AND c.id = k.id`,
    [customers.map(([tenantId]) => tenantId), customers.map(([, id]) => id)],
  );
}

/**
 * Key-share locks on every customer whose links these vehicles' changes touch (linked before or
 * after), taken before the links are: an erasure in progress (which locks its customer, then
 * deletes its links) is waited for, never deadlocked with. Answers the erased ones (as
 * `<tenant>:<id>`): an erased customer gets no plates back from an event that still names it.
 */
async function lockCustomers(
  manager: EntityManager,
  changes: VehicleChange[],
): Promise<Set<string>> {
  const rows = await manager.query<{ tenant_id: string; id: string; status: string }[]>(
    `WITH touched AS (
       SELECT v.tenant_id, v.customer_id AS id
         FROM customers.customer_vehicles v
         JOIN unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, vehicle_id)
           ON v.tenant_id = k.tenant_id AND v.vehicle_id = k.vehicle_id
       UNION
       SELECT * FROM unnest($3::uuid[], $4::uuid[])
     )
     SELECT c.tenant_id, c.id, c.status FROM customers.customers c
       JOIN touched t ON c.tenant_id = t.tenant_id AND c.id = t.id
      ORDER BY c.tenant_id, c.id
        FOR KEY SHARE OF c`,
    [
      changes.map((c) => c.tenantId),
      changes.map((c) => c.vehicle.vehicleId),
      ...linkedIds(changes),
    ],
  );
  return new Set(rows.filter((r) => r.status === 'erased').map((r) => `${r.tenant_id}:${r.id}`));
}

function linkedIds(changes: VehicleChange[]): [string[], string[]] {
  const links = changes.flatMap(({ tenantId, vehicle }) =>
    vehicle.customers.map((c) => [tenantId, c.customerId] as const),
  );
  return [links.map(([tenantId]) => tenantId), links.map(([, id]) => id)];
}
