import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { VehicleStateV1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

/**
 * Keeps the plates and VINs of each customer's vehicles (vehicles.vehicle.*.v1 events carry the
 * vehicle's whole searchable state and a version) and refreshes `vehicle_text` of every customer
 * whose vehicles changed. An event older than the version already applied changes nothing, so
 * redelivered and reordered events converge.
 */
@Injectable()
export class VehicleSearchConsumer implements OnModuleInit {
  constructor(private readonly events: EventConsumer) {}

  onModuleInit(): void {
    this.events.onPattern('vehicles.vehicle.*.v1', async (event, { manager }) => {
      if (event.tenantId === null) return;
      await this.apply(manager, event.tenantId, event.payload as VehicleStateV1);
    });
  }

  async apply(manager: EntityManager, tenantId: string, vehicle: VehicleStateV1): Promise<void> {
    const newer = await manager.query<unknown[]>(
      `INSERT INTO customers.vehicle_versions (tenant_id, vehicle_id, version) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, vehicle_id) DO UPDATE SET version = EXCLUDED.version
         WHERE vehicle_versions.version < EXCLUDED.version
       RETURNING 1`,
      [tenantId, vehicle.vehicleId, vehicle.version],
    );
    if (newer.length === 0) return;
    // TypeORM answers a DELETE … RETURNING as [rows, affected].
    const [before] = await manager.query<[{ customer_id: string }[], number]>(
      `DELETE FROM customers.customer_vehicles WHERE tenant_id = $1 AND vehicle_id = $2
       RETURNING customer_id`,
      [tenantId, vehicle.vehicleId],
    );
    const now = vehicle.customers.map((c) => c.customerId);
    await manager.query(
      `INSERT INTO customers.customer_vehicles (tenant_id, vehicle_id, customer_id, registration, vin)
       SELECT $1, $2, unnest($3::uuid[]), $4, $5`,
      [tenantId, vehicle.vehicleId, now, vehicle.registration, vehicle.vin],
    );
    const affected = [...new Set([...before.map((r) => r.customer_id), ...now])];
    if (affected.length === 0) return;
    await manager.query(
      `UPDATE customers.customers c
          SET vehicle_text = (
            SELECT customers.vehicle_fold(string_agg(v.registration || coalesce('|' || v.vin, ''), '|'))
              FROM customers.customer_vehicles v
             WHERE v.tenant_id = c.tenant_id AND v.customer_id = c.id)
        WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])`,
      [tenantId, affected],
    );
  }
}
