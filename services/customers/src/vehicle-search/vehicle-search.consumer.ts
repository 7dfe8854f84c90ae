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
    // TypeORM answers a DELETE … RETURNING as [rows, affected].
    const [before] = await manager.query<[{ tenant_id: string; customer_id: string }[], number]>(
      `DELETE FROM customers.customer_vehicles v
        USING unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, vehicle_id)
        WHERE v.tenant_id = k.tenant_id AND v.vehicle_id = k.vehicle_id
       RETURNING v.tenant_id, v.customer_id`,
      [applied.map((c) => c.tenantId), applied.map((c) => c.vehicle.vehicleId)],
    );
    const links = applied.flatMap(({ tenantId, vehicle }) =>
      vehicle.customers.map((c) => ({ tenantId, vehicle, customerId: c.customerId })),
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
    if (affected.length === 0) return;
    await manager.query(
      `UPDATE customers.customers c
          SET vehicle_text = (
            SELECT customers.vehicle_fold(string_agg(v.registration || coalesce('|' || v.vin, ''), '|'))
              FROM customers.customer_vehicles v
             WHERE v.tenant_id = c.tenant_id AND v.customer_id = c.id)
         FROM unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, id)
        WHERE c.tenant_id = k.tenant_id AND c.id = k.id`,
      [affected.map(([tenantId]) => tenantId), affected.map(([, id]) => id)],
    );
  }
}
