import {
  VEHICLE_CREATED_V1,
  type CallerContext,
  type VehicleStateV1,
  type VehicleView,
} from '@kanta/contracts';
import type { OutboxEvent } from '@kanta/messaging';
import type { VehicleRow } from './vehicles.repository';

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

export function toVehicleView(row: VehicleRow): VehicleView {
  return {
    id: row.id,
    registration: row.registration,
    registrationNormalized: row.registration_norm,
    make: row.make,
    model: row.model,
    year: row.year,
    vin: row.vin,
    lastSeenAt: iso(row.last_seen_at),
    customers: row.customers.map((l) => ({
      customerId: l.customer_id,
      role: l.role,
      isDefault: l.is_default,
      linkedAt: iso(l.linked_at)!,
    })),
    version: row.version,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

export type VehicleEventType =
  | typeof VEHICLE_CREATED_V1
  | 'vehicles.vehicle.updated.v1'
  | 'vehicles.vehicle.linked.v1'
  | 'vehicles.vehicle.unlinked.v1';

/** The vehicle's searchable state after a change, for the customers service's projection. */
export function vehicleEvent(
  type: VehicleEventType,
  tenantId: string,
  row: VehicleRow,
  correlationId: string | null,
): OutboxEvent<VehicleEventType> {
  const payload: VehicleStateV1 = {
    vehicleId: row.id,
    registration: row.registration_norm,
    vin: row.vin,
    customers: row.customers.map((l) => ({
      customerId: l.customer_id,
      role: l.role,
      isDefault: l.is_default,
    })),
    version: row.version,
  };
  return { type, tenantId, correlationId, payload };
}

export const correlationOf = (context: CallerContext): string | null =>
  context.correlationId ?? null;
