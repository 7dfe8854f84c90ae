import { normaliseRegistration, textOrNull } from '@kanta/contracts';
import type { VehicleRow, VehicleWrite } from './vehicles.repository';

/** A vehicle's fields as staff or a partner give them, before they are stored. */
export interface VehicleFields {
  make?: string | null;
  model?: string | null;
  year?: number | null;
  vin?: string | null;
  lastSeenAt?: string | null;
}

/** The row to store: the plate trimmed and normalised for search, blank text as none. */
export function buildVehicleWrite(registration: string, fields: VehicleFields): VehicleWrite {
  return {
    registration: registration.trim(),
    registration_norm: normaliseRegistration(registration),
    make: textOrNull(fields.make),
    model: textOrNull(fields.model),
    year: fields.year ?? null,
    vin: textOrNull(fields.vin),
    last_seen_at: fields.lastSeenAt ? new Date(fields.lastSeenAt).toISOString() : null,
  };
}

/** Whether writing `write` would leave the stored vehicle as it is. */
export function unchanged(current: VehicleRow, write: VehicleWrite): boolean {
  const seen = current.last_seen_at ? new Date(current.last_seen_at).toISOString() : null;
  return (
    current.registration === write.registration &&
    current.make === write.make &&
    current.model === write.model &&
    current.year === write.year &&
    current.vin === write.vin &&
    seen === write.last_seen_at
  );
}
