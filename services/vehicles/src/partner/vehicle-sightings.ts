import { lockKeys } from '@kanta/database';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  VEHICLE_CREATED_V1,
  VEHICLE_UPDATED_V1,
  normaliseRegistration,
  normaliseVin,
  type PartnerVehicle,
} from '@kanta/contracts';
import { Outbox } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import { vehicleEvent } from '../vehicles/vehicle-view';
import { buildVehicleWrite, unchanged } from '../vehicles/vehicle-write';
import {
  VehiclesRepository,
  type VehicleRow,
  type VehicleWrite,
} from '../vehicles/vehicles.repository';

/** A vehicle a partner event names, seen at the event's time. */
export interface PartnerSighting {
  tenantId: string;
  vehicle: PartnerVehicle;
  seenAt: string;
  correlationId: string | null;
}

/**
 * The vehicles partner events name, found by plate or created: what the partner knows and the
 * record lacks (make, model, year, VIN) is filled in, never written over, and the vehicle was
 * seen at the event's time. A VIN another vehicle of the tenant has is left out.
 */
@Injectable()
export class VehicleSightings {
  constructor(
    private readonly repository: VehiclesRepository,
    private readonly outbox: Outbox,
  ) {}

  /** The vehicle one partner event names: its id. */
  async record(
    manager: EntityManager,
    tenantId: string,
    vehicle: PartnerVehicle,
    seenAt: string,
    correlationId: string | null,
  ): Promise<string> {
    vehicle = asSighted(vehicle);
    const norm = normaliseRegistration(vehicle.registration);
    // Two partner events bringing the same new plate at once make one vehicle, not a conflict.
    await lockKeys(manager, [`vehicles:${tenantId}:plate:${norm}`]);
    const current = await this.repository.findByRegistration(manager, tenantId, norm);
    if (!current) {
      const vinFree = vehicle.vin ? !(await this.vinTaken(manager, tenantId, vehicle.vin)) : false;
      const row = await this.repository.insert(manager, tenantId, uuidv7(), {
        ...buildVehicleWrite(vehicle.registration, {
          ...vehicle,
          vin: vinFree ? vehicle.vin : null,
        }),
        last_seen_at: seenAt,
      });
      await this.outbox.enqueue(manager, [
        vehicleEvent(VEHICLE_CREATED_V1, tenantId, row, correlationId),
      ]);
      return row.id;
    }
    return this.refresh(manager, tenantId, current, vehicle, seenAt, correlationId);
  }

  /**
   * `record` for the vehicles of a batch of partner events, answered in the order given:
   * the plates locked and looked up in one statement each, the new ones inserted in one, their
   * events in one outbox insert. A plate the tenant has, or one an earlier sighting of the batch
   * brings too, is filled in after the inserts, one vehicle at a time (what it fills in is per
   * vehicle), from the row already read where there is one.
   */
  async recordMany(manager: EntityManager, sightings: PartnerSighting[]): Promise<string[]> {
    if (sightings.length === 0) return [];
    const keyed = sightings.map((s) => {
      const norm = normaliseRegistration(s.vehicle.registration);
      return { ...s, vehicle: asSighted(s.vehicle), norm, key: `${s.tenantId}:${norm}` };
    });
    await lockKeys(
      manager,
      keyed.map((s) => `vehicles:${s.tenantId}:plate:${s.norm}`),
    );
    const stored = new Map(
      (await this.repository.findManyByRegistration(manager, keyed)).map((row) => [
        `${row.tenant_id}:${row.registration_norm}`,
        row,
      ]),
    );
    const firsts = new Map<string, (typeof keyed)[number]>();
    for (const s of keyed) if (!stored.has(s.key) && !firsts.has(s.key)) firsts.set(s.key, s);
    const taken = await this.repository.takenVins(
      manager,
      [...firsts.values()].flatMap((s) =>
        s.vehicle.vin ? [{ tenantId: s.tenantId, vin: s.vehicle.vin }] : [],
      ),
    );
    const inserts = [...firsts.values()].map((s) => {
      // A VIN the tenant has, or an earlier new vehicle of the batch took, is left out.
      const vin =
        s.vehicle.vin && !taken.has(`${s.tenantId}:${s.vehicle.vin}`) ? s.vehicle.vin : null;
      if (vin) taken.add(`${s.tenantId}:${vin}`);
      return {
        sighting: s,
        tenantId: s.tenantId,
        id: uuidv7(),
        write: {
          ...buildVehicleWrite(s.vehicle.registration, { ...s.vehicle, vin }),
          last_seen_at: s.seenAt,
        },
      };
    });
    const made = new Map<(typeof keyed)[number], string>();
    if (inserts.length > 0) {
      const rows = await this.repository.insertMany(manager, inserts);
      await this.outbox.enqueue(
        manager,
        rows.map((row, i) =>
          vehicleEvent(
            VEHICLE_CREATED_V1,
            inserts[i].tenantId,
            row,
            inserts[i].sighting.correlationId,
          ),
        ),
      );
      for (const insert of inserts) made.set(insert.sighting, insert.id);
    }
    const ids: string[] = [];
    for (const s of keyed) {
      const id = made.get(s);
      if (id) {
        ids.push(id);
        continue;
      }
      // The row read above serves the plate's first sighting; a later one of the same plate
      // reads it again, as the earlier one may have changed it (the lock is held either way).
      const read = stored.get(s.key);
      stored.delete(s.key);
      const current =
        read ?? (await this.repository.findByRegistration(manager, s.tenantId, s.norm));
      ids.push(
        current
          ? await this.refresh(manager, s.tenantId, current, s.vehicle, s.seenAt, s.correlationId)
          : await this.record(manager, s.tenantId, s.vehicle, s.seenAt, s.correlationId),
      );
    }
    return ids;
  }

  /**
   * A vehicle the tenant has, read under its plate's lock and its row lock (so a staff edit is
   * waited for, then filled in, not written over): what it lacks filled in, seen then.
   */
  private async refresh(
    manager: EntityManager,
    tenantId: string,
    current: VehicleRow,
    vehicle: PartnerVehicle,
    seenAt: string,
    correlationId: string | null,
  ): Promise<string> {
    const vin =
      current.vin ??
      (vehicle.vin && !(await this.vinTaken(manager, tenantId, vehicle.vin)) ? vehicle.vin : null);
    const lastSeen =
      current.last_seen_at && new Date(current.last_seen_at) > new Date(seenAt)
        ? new Date(current.last_seen_at).toISOString()
        : seenAt;
    const write: VehicleWrite = {
      registration: current.registration,
      registration_norm: current.registration_norm,
      make: current.make ?? vehicle.make ?? null,
      model: current.model ?? vehicle.model ?? null,
      year: current.year ?? vehicle.year ?? null,
      vin,
      last_seen_at: lastSeen,
    };
    if (!unchanged(current, write)) {
      const row = await this.repository.update(manager, tenantId, current.id, write);
      if (row.vin !== current.vin) {
        await this.outbox.enqueue(manager, [
          vehicleEvent(VEHICLE_UPDATED_V1, tenantId, row, correlationId),
        ]);
      }
    }
    return current.id;
  }

  private async vinTaken(manager: EntityManager, tenantId: string, vin: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      'SELECT 1 FROM vehicles.vehicles WHERE tenant_id = $1 AND vin = $2',
      [tenantId, vin],
    );
    return rows.length > 0;
  }
}

/** A partner's vehicle with its VIN as stored: partners may send it in any case, with hyphens. */
function asSighted(vehicle: PartnerVehicle): PartnerVehicle {
  return vehicle.vin === undefined ? vehicle : { ...vehicle, vin: normaliseVin(vehicle.vin) };
}
