import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  IMPORT_VEHICLES_DONE_V1,
  IMPORT_VEHICLES_V1,
  VEHICLE_CREATED_V1,
  VEHICLE_LINKED_V1,
  normaliseVin,
  vehicleFieldProblems,
  type ImportVehicleRefusalV1,
  type ImportVehiclesDoneV1,
  type ImportVehiclesV1,
} from '@kanta/contracts';
import { EventConsumer, Outbox, type OutboxEvent } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import { vehicleEvent } from '../vehicles/vehicle-view';
import { buildVehicleWrite } from '../vehicles/vehicle-write';
import { VehiclesRepository, type VehicleWrite } from '../vehicles/vehicles.repository';

interface Link {
  vehicleId: string;
  customerId: string;
  isDefault: boolean;
}

/**
 * The vehicles of a customer import's batch (issue #16): `customers.import.vehicles.v1` in, one
 * transaction with the inbox row, `vehicles.import.vehicles_done.v1` out through the outbox.
 *
 * Each row is judged by the vehicles API's rules (`vehicleFieldProblems`, the plate and VIN
 * normalised as the API does). A plate the tenant has already (or an earlier row of the batch
 * made) is that vehicle: the row's customer becomes an owner of it, no second vehicle. A new
 * plate with a VIN another vehicle has is refused on `vin`; a customer erased or merged since
 * the row was committed, on `customerId`. Refusals name the row, the field and a code.
 *
 * Set-based: one statement per table for the batch (the existing plates, taken VINs, the new
 * vehicles, the links, the version bump), not one per row. The batch is recorded in
 * `import_batches`, so the same batch under another event id is answered again, not applied
 * twice. The vehicles locked by plate are locked in id order, as a staff link locks them.
 */
@Injectable()
export class ImportedVehicles implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
    private readonly vehicles: VehiclesRepository,
  ) {}

  onModuleInit(): void {
    this.events.on(IMPORT_VEHICLES_V1, async (e, { manager }) => {
      if (!e.tenantId) return;
      const answer = await this.apply(manager, e.tenantId, e.payload, e.correlationId);
      await this.outbox.enqueue(manager, [
        {
          type: IMPORT_VEHICLES_DONE_V1,
          tenantId: e.tenantId,
          correlationId: e.correlationId,
          payload: answer,
        },
      ]);
    });
  }

  /** Applies the batch once and returns the answer (the first time's, when asked again). */
  async apply(
    manager: EntityManager,
    tenantId: string,
    batch: ImportVehiclesV1,
    correlationId: string | null,
  ): Promise<ImportVehiclesDoneV1> {
    const first = await manager.query<unknown[]>(
      `INSERT INTO vehicles.import_batches (tenant_id, import_id, batch, created, linked, refused)
       VALUES ($1, $2, $3, 0, 0, '[]') ON CONFLICT DO NOTHING RETURNING batch`,
      [tenantId, batch.importId, batch.batch],
    );
    if (first.length === 0) {
      const [done] = await manager.query<
        { created: number; linked: number; refused: ImportVehicleRefusalV1[] }[]
      >(
        `SELECT created, linked, refused FROM vehicles.import_batches
          WHERE tenant_id = $1 AND import_id = $2 AND batch = $3`,
        [tenantId, batch.importId, batch.batch],
      );
      return { importId: batch.importId, batch: batch.batch, ...done };
    }

    const refused: ImportVehicleRefusalV1[] = [];
    const rows = [...batch.vehicles].sort((a, b) => a.rowNumber - b.rowNumber);
    const valid = rows.filter((row) => {
      const problems = vehicleFieldProblems(row);
      for (const p of problems) refused.push({ rowNumber: row.rowNumber, ...p });
      return problems.length === 0;
    });

    const gone = await manager.query<{ customer_id: string; status: string }[]>(
      `SELECT customer_id, status FROM vehicles.known_customers
        WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[]) AND status IN ('erased', 'merged')`,
      [tenantId, [...new Set(valid.map((r) => r.customerId))]],
    );
    const goneStatus = new Map(gone.map((g) => [g.customer_id, g.status]));
    const writes = valid.flatMap((row) => {
      const status = goneStatus.get(row.customerId);
      if (status) {
        refused.push({
          rowNumber: row.rowNumber,
          field: 'customerId',
          reason: status === 'erased' ? 'customer-erased' : 'customer-merged',
        });
        return [];
      }
      const write = buildVehicleWrite(row.plate, {
        make: row.make,
        model: row.model,
        year: row.year,
        vin: row.vin ? normaliseVin(row.vin) : null,
      });
      return [{ row, write }];
    });

    const norms = [...new Set(writes.map((w) => w.write.registration_norm))];
    const existing = await manager.query<{ id: string; registration_norm: string }[]>(
      `SELECT id, registration_norm FROM vehicles.vehicles
        WHERE tenant_id = $1 AND registration_norm = ANY($2::text[])
        ORDER BY id FOR UPDATE`,
      [tenantId, norms],
    );
    const byPlate = new Map(existing.map((v) => [v.registration_norm, v.id]));
    const existingIds = new Set(existing.map((v) => v.id));
    const newVins = writes
      .filter((w) => !byPlate.has(w.write.registration_norm) && w.write.vin !== null)
      .map((w) => w.write.vin!);
    const takenVins = new Set(
      (
        await manager.query<{ vin: string }[]>(
          `SELECT vin FROM vehicles.vehicles WHERE tenant_id = $1 AND vin = ANY($2::text[])`,
          [tenantId, newVins],
        )
      ).map((v) => v.vin),
    );

    const created: { id: string; write: VehicleWrite }[] = [];
    const links: Link[] = [];
    const linkedPairs = new Set<string>();
    let linked = 0;
    for (const { row, write } of writes) {
      let vehicleId = byPlate.get(write.registration_norm);
      if (vehicleId === undefined) {
        if (write.vin !== null && takenVins.has(write.vin)) {
          refused.push({ rowNumber: row.rowNumber, field: 'vin', reason: 'vin-taken' });
          continue;
        }
        vehicleId = uuidv7();
        byPlate.set(write.registration_norm, vehicleId);
        if (write.vin !== null) takenVins.add(write.vin);
        created.push({ id: vehicleId, write });
        links.push({ vehicleId, customerId: row.customerId, isDefault: true });
        linkedPairs.add(`${vehicleId}:${row.customerId}`);
        continue;
      }
      linked += 1;
      const pair = `${vehicleId}:${row.customerId}`;
      if (linkedPairs.has(pair)) continue;
      linkedPairs.add(pair);
      links.push({ vehicleId, customerId: row.customerId, isDefault: false });
    }

    if (created.length > 0) {
      await this.vehicles.insertMany(
        manager,
        created.map((c) => ({ tenantId, id: c.id, write: c.write })),
      );
    }
    // A customer linked to the vehicle already keeps the link as it is (a proxy stays a proxy).
    const inserted =
      links.length === 0
        ? []
        : await manager.query<{ vehicle_id: string }[]>(
            `INSERT INTO vehicles.vehicle_customers
               (tenant_id, vehicle_id, customer_id, role, is_default)
             SELECT $1, k.vehicle_id, k.customer_id, 'owner', k.is_default
               FROM unnest($2::uuid[], $3::uuid[], $4::boolean[])
                    AS k(vehicle_id, customer_id, is_default)
             ON CONFLICT (tenant_id, vehicle_id, customer_id) DO NOTHING
             RETURNING vehicle_id`,
            [
              tenantId,
              links.map((l) => l.vehicleId),
              links.map((l) => l.customerId),
              links.map((l) => l.isDefault),
            ],
          );
    const touchedIds = [
      ...new Set(inserted.map((r) => r.vehicle_id).filter((id) => existingIds.has(id))),
    ];
    const touched =
      touchedIds.length === 0
        ? []
        : await this.vehicles.touchMany(
            manager,
            touchedIds.map((id) => ({ tenantId, id })),
          );
    const made =
      created.length === 0
        ? []
        : await this.vehicles.findMany(
            manager,
            created.map((c) => ({ tenantId, id: c.id })),
          );
    const events: OutboxEvent[] = [
      ...made.map((row) => vehicleEvent(VEHICLE_CREATED_V1, tenantId, row, correlationId)),
      ...touched.map((row) => vehicleEvent(VEHICLE_LINKED_V1, tenantId, row, correlationId)),
    ];
    await this.outbox.enqueue(manager, events);

    refused.sort((a, b) => a.rowNumber - b.rowNumber);
    await manager.query(
      `UPDATE vehicles.import_batches SET created = $4, linked = $5, refused = $6
        WHERE tenant_id = $1 AND import_id = $2 AND batch = $3`,
      [tenantId, batch.importId, batch.batch, created.length, linked, JSON.stringify(refused)],
    );
    return {
      importId: batch.importId,
      batch: batch.batch,
      created: created.length,
      linked,
      refused,
    };
  }
}
