import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { VehicleRole } from '@kanta/contracts';

export interface VehicleRow {
  id: string;
  registration: string;
  registration_norm: string;
  make: string | null;
  model: string | null;
  year: number | null;
  vin: string | null;
  last_seen_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  customers: { customer_id: string; role: VehicleRole; is_default: boolean; linked_at: string }[];
}

export interface VehicleWrite {
  registration: string;
  registration_norm: string;
  make: string | null;
  model: string | null;
  year: number | null;
  vin: string | null;
  last_seen_at: string | null;
}

/** The vehicle's columns with its links as one JSON array, in one round trip. */
export const VEHICLE_SELECT = `v.id, v.registration, v.registration_norm, v.make, v.model, v.year, v.vin,
  v.last_seen_at, v.version, v.created_at, v.updated_at,
  (SELECT coalesce(json_agg(json_build_object('customer_id', l.customer_id, 'role', l.role,
            'is_default', l.is_default, 'linked_at', l.linked_at) ORDER BY l.linked_at, l.customer_id), '[]')
     FROM vehicles.vehicle_customers l
    WHERE l.tenant_id = v.tenant_id AND l.vehicle_id = v.id) AS customers`;

/** The vehicle's own columns, for RETURNING (a new vehicle has no links). */
const COLUMNS = `id, registration, registration_norm, make, model, year, vin, last_seen_at,
  version, created_at, updated_at`;

export const VEHICLE_CONSTRAINTS = {
  registration: 'vehicles_registration_unique',
  vin: 'vehicles_vin_unique',
} as const;

export interface SearchPosition {
  by: 'plate' | 'vin';
  key: string;
}

/** A row of a search, with where it stands in the search's order. */
export type VehicleSearchRow = VehicleRow & { found_by: 'plate' | 'vin'; search_key: string };

export interface VehicleSearch {
  tenantId: string;
  /** Normalised plate or VIN beginning (letters and digits only), or null for all. */
  prefix: string | null;
  customerId: string | null;
  /**
   * Where the previous page ended: the plate of its last vehicle found by plate, or the VIN of
   * its last one found by VIN only (those come after every plate match).
   */
  after: SearchPosition | null;
  limit: number;
}

type Runner = Pick<EntityManager, 'query'>;

const writeParams = (w: VehicleWrite): unknown[] => [
  w.registration,
  w.registration_norm,
  w.make,
  w.model,
  w.year,
  w.vin,
  w.last_seen_at,
];

@Injectable()
export class VehiclesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    manager: Runner,
    tenantId: string,
    id: string,
    w: VehicleWrite,
  ): Promise<VehicleRow> {
    await manager.query(
      `INSERT INTO vehicles.vehicles
         (tenant_id, id, registration, registration_norm, make, model, year, vin, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [tenantId, id, ...writeParams(w)],
    );
    return (await this.findById(tenantId, id, manager))!;
  }

  /** New vehicles in one statement; they have no customers yet. Answered in the order given. */
  async insertMany(
    manager: Runner,
    vehicles: { tenantId: string; id: string; write: VehicleWrite }[],
  ): Promise<VehicleRow[]> {
    const column = <T>(value: (w: VehicleWrite) => T): T[] => vehicles.map((v) => value(v.write));
    const rows = await manager.query<Omit<VehicleRow, 'customers'>[]>(
      `INSERT INTO vehicles.vehicles
         (tenant_id, id, registration, registration_norm, make, model, year, vin, last_seen_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
         $6::text[], $7::smallint[], $8::text[], $9::timestamptz[])
       RETURNING ${COLUMNS}`,
      [
        vehicles.map((v) => v.tenantId),
        vehicles.map((v) => v.id),
        column((w) => w.registration),
        column((w) => w.registration_norm),
        column((w) => w.make),
        column((w) => w.model),
        column((w) => w.year),
        column((w) => w.vin),
        column((w) => w.last_seen_at),
      ],
    );
    const byId = new Map(rows.map((row) => [row.id, { ...row, customers: [] }]));
    return vehicles.map((v) => byId.get(v.id)!);
  }

  async update(
    manager: Runner,
    tenantId: string,
    id: string,
    w: VehicleWrite,
  ): Promise<VehicleRow> {
    await manager.query(
      `UPDATE vehicles.vehicles
          SET registration = $3, registration_norm = $4, make = $5, model = $6, year = $7,
              vin = $8, last_seen_at = $9, version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, ...writeParams(w)],
    );
    return (await this.findById(tenantId, id, manager))!;
  }

  /**
   * The vehicle was at a station at `at` (a visit completed with it): its last sighting, unless it
   * has a later one. Nothing searchable changes, so no event.
   */
  async seen(manager: Runner, tenantId: string, id: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE vehicles.vehicles SET last_seen_at = $3, version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND (last_seen_at IS NULL OR last_seen_at < $3)`,
      [tenantId, id, at],
    );
  }

  /** A change of links is a change of the vehicle: new version, so consumers keep the newest. */
  async touch(manager: Runner, tenantId: string, id: string): Promise<VehicleRow> {
    await manager.query(
      `UPDATE vehicles.vehicles SET version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return (await this.findById(tenantId, id, manager))!;
  }

  async findById(
    tenantId: string,
    id: string,
    manager: Runner = this.dataSource,
    forUpdate = false,
  ): Promise<VehicleRow | null> {
    if (forUpdate) {
      await manager.query(
        'SELECT 1 FROM vehicles.vehicles WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
        [tenantId, id],
      );
    }
    const rows = await manager.query<VehicleRow[]>(
      `SELECT ${VEHICLE_SELECT} FROM vehicles.vehicles v WHERE v.tenant_id = $1 AND v.id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /**
   * Several vehicles, each with its tenant; `forUpdate` locks them first, in id order so that
   * concurrent transactions wait for each other instead of deadlocking.
   */
  async findMany(
    manager: Runner,
    keys: { tenantId: string; id: string }[],
    forUpdate = false,
  ): Promise<(VehicleRow & { tenant_id: string })[]> {
    const params = [keys.map((k) => k.tenantId), keys.map((k) => k.id)];
    const join = `JOIN unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, id)
                    ON v.tenant_id = k.tenant_id AND v.id = k.id`;
    if (forUpdate) {
      await manager.query(
        `SELECT 1 FROM vehicles.vehicles v ${join} ORDER BY v.tenant_id, v.id FOR UPDATE OF v`,
        params,
      );
    }
    return manager.query(
      `SELECT ${VEHICLE_SELECT}, v.tenant_id FROM vehicles.vehicles v ${join}`,
      params,
    );
  }

  /**
   * The vehicles of the tenants with these normalised plates, row-locked (in id order) for the
   * partner sighting that fills them in.
   */
  async findManyByRegistration(
    manager: Runner,
    keys: { tenantId: string; norm: string }[],
  ): Promise<(VehicleRow & { tenant_id: string })[]> {
    return manager.query(
      `SELECT ${VEHICLE_SELECT}, v.tenant_id FROM vehicles.vehicles v
         JOIN unnest($1::uuid[], $2::text[]) AS k(tenant_id, norm)
           ON v.tenant_id = k.tenant_id AND v.registration_norm = k.norm
        ORDER BY v.id FOR UPDATE OF v`,
      [keys.map((k) => k.tenantId), keys.map((k) => k.norm)],
    );
  }

  /** Which of these VINs a vehicle of the tenant already has, as `<tenant>:<vin>`. */
  async takenVins(
    manager: Runner,
    keys: { tenantId: string; vin: string }[],
  ): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await manager.query<{ key: string }[]>(
      `SELECT v.tenant_id || ':' || v.vin AS key FROM vehicles.vehicles v
         JOIN unnest($1::uuid[], $2::text[]) AS k(tenant_id, vin)
           ON v.tenant_id = k.tenant_id AND v.vin = k.vin`,
      [keys.map((k) => k.tenantId), keys.map((k) => k.vin)],
    );
    return new Set(rows.map((r) => r.key));
  }

  /** `touch` for several vehicles at once, each at most once. */
  async touchMany(
    manager: Runner,
    keys: { tenantId: string; id: string }[],
  ): Promise<(VehicleRow & { tenant_id: string })[]> {
    await manager.query(
      `UPDATE vehicles.vehicles v SET version = v.version + 1, updated_at = now()
         FROM unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, id)
        WHERE v.tenant_id = k.tenant_id AND v.id = k.id`,
      [keys.map((k) => k.tenantId), keys.map((k) => k.id)],
    );
    return this.findMany(manager, keys);
  }

  /** The tenant's vehicle with this normalised plate, row-locked for the sighting. */
  async findByRegistration(
    manager: Runner,
    tenantId: string,
    norm: string,
  ): Promise<VehicleRow | null> {
    const rows = await manager.query<VehicleRow[]>(
      `SELECT ${VEHICLE_SELECT} FROM vehicles.vehicles v WHERE v.tenant_id = $1 AND v.registration_norm = $2
       FOR UPDATE OF v`,
      [tenantId, norm],
    );
    return rows[0] ?? null;
  }

  /** Sets a customer's link (role, default); `isDefault` takes the default from any other link. */
  async link(
    manager: Runner,
    tenantId: string,
    vehicleId: string,
    customerId: string,
    role: VehicleRole,
    isDefault: boolean,
  ): Promise<void> {
    if (isDefault) {
      await manager.query(
        `UPDATE vehicles.vehicle_customers SET is_default = false
          WHERE tenant_id = $1 AND vehicle_id = $2 AND is_default AND customer_id <> $3`,
        [tenantId, vehicleId, customerId],
      );
    }
    await manager.query(
      `INSERT INTO vehicles.vehicle_customers (tenant_id, vehicle_id, customer_id, role, is_default)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, vehicle_id, customer_id)
         DO UPDATE SET role = EXCLUDED.role, is_default = EXCLUDED.is_default`,
      [tenantId, vehicleId, customerId, role, isDefault],
    );
  }

  /** `link` for several (vehicle, customer) pairs at once, each vehicle at most once. */
  async linkMany(
    manager: Runner,
    links: {
      tenantId: string;
      vehicleId: string;
      customerId: string;
      role: VehicleRole;
      isDefault: boolean;
    }[],
  ): Promise<void> {
    const defaults = links.filter((l) => l.isDefault);
    if (defaults.length > 0) {
      await manager.query(
        `UPDATE vehicles.vehicle_customers l SET is_default = false
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS k(tenant_id, vehicle_id, customer_id)
          WHERE l.tenant_id = k.tenant_id AND l.vehicle_id = k.vehicle_id AND l.is_default
            AND l.customer_id <> k.customer_id`,
        [
          defaults.map((l) => l.tenantId),
          defaults.map((l) => l.vehicleId),
          defaults.map((l) => l.customerId),
        ],
      );
    }
    await manager.query(
      `INSERT INTO vehicles.vehicle_customers (tenant_id, vehicle_id, customer_id, role, is_default)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::boolean[])
       ON CONFLICT (tenant_id, vehicle_id, customer_id)
         DO UPDATE SET role = EXCLUDED.role, is_default = EXCLUDED.is_default`,
      [
        links.map((l) => l.tenantId),
        links.map((l) => l.vehicleId),
        links.map((l) => l.customerId),
        links.map((l) => l.role),
        links.map((l) => l.isDefault),
      ],
    );
  }

  async unlink(
    manager: Runner,
    tenantId: string,
    vehicleId: string,
    customerId: string,
  ): Promise<boolean> {
    const [, affected] = await manager.query<[unknown[], number]>(
      `DELETE FROM vehicles.vehicle_customers
        WHERE tenant_id = $1 AND vehicle_id = $2 AND customer_id = $3`,
      [tenantId, vehicleId, customerId],
    );
    return affected > 0;
  }

  /** Plate or VIN beginning: see vehicleSearchStatement. */
  search(s: VehicleSearch): Promise<VehicleSearchRow[]> {
    const { text, values } = vehicleSearchStatement(s);
    return this.dataSource.query<VehicleSearchRow[]>(text, values);
  }
}

/**
 * Plate or VIN beginning: the vehicles whose plate begins so, by plate, then those found only by
 * their VIN, by VIN. Each part is one index range scan stopped at a page (the unique (tenant,
 * plate) index, the (tenant, vin) one), and the cursor says which part and where, so no page
 * skips or repeats a vehicle however many VINs match. The benchmark runs the same statement raw.
 */
export function vehicleSearchStatement(s: VehicleSearch): { text: string; values: unknown[] } {
  const values: unknown[] = [s.tenantId, s.limit];
  const param = (value: unknown): string => `$${values.push(value)}`;
  const linked =
    s.customerId !== null
      ? `AND EXISTS (SELECT 1 FROM vehicles.vehicle_customers l
                      WHERE l.tenant_id = v.tenant_id AND l.vehicle_id = v.id
                        AND l.customer_id = ${param(s.customerId)})`
      : '';
  const afterPlate =
    s.after?.by === 'plate' ? `AND v.registration_norm > ${param(s.after.key)}` : '';
  if (s.prefix === null) {
    return {
      text: `SELECT ${VEHICLE_SELECT}, 'plate' AS found_by, v.registration_norm AS search_key
               FROM vehicles.vehicles v
              WHERE v.tenant_id = $1 ${afterPlate} ${linked}
              ORDER BY v.registration_norm LIMIT $2`,
      values,
    };
  }
  const like = param(`${s.prefix}%`);
  // Past the plate matches already: none of them again.
  const plates = s.after?.by === 'vin' ? 'AND false' : afterPlate;
  const afterVin = s.after?.by === 'vin' ? `AND v.vin > ${param(s.after.key)}` : '';
  return {
    text: `SELECT * FROM (
             (SELECT ${VEHICLE_SELECT}, 'plate' AS found_by, v.registration_norm AS search_key
                FROM vehicles.vehicles v
               WHERE v.tenant_id = $1 AND v.registration_norm LIKE ${like} ${plates} ${linked}
               ORDER BY v.registration_norm LIMIT $2)
             UNION ALL
             (SELECT ${VEHICLE_SELECT}, 'vin' AS found_by, v.vin AS search_key
                FROM vehicles.vehicles v
               WHERE v.tenant_id = $1 AND v.vin LIKE ${like}
                 AND v.registration_norm NOT LIKE ${like} ${afterVin} ${linked}
               ORDER BY v.vin LIMIT $2)
           ) found ORDER BY found_by = 'vin', search_key LIMIT $2`,
    values,
  };
}
