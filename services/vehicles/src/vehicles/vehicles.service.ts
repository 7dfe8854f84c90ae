import { lockKeys } from '@kanta/database';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  VEHICLE_CREATED_V1,
  VEHICLE_LINKED_V1,
  VEHICLE_UNLINKED_V1,
  VEHICLE_UPDATED_V1,
  normaliseRegistration,
  normaliseVin,
  type CallerContext,
  type CreateVehicleDto,
  type LinkVehicleCustomerDto,
  type PartnerVehicle,
  type PageQueryDto,
  type SearchVehiclesQueryDto,
  type UpdateVehicleDto,
  type VehiclePage,
  type VehicleRole,
  type VehicleView,
  textOrNull,
} from '@kanta/contracts';
import { Outbox } from '@kanta/messaging';
import { RpcProblem, uuidv7 } from '@kanta/platform';
import { notFound, requireTenant, taken } from '../caller-access';
import { decodeCursor, isUuid, pageOf, transactionWithConflicts } from '../cursor';
import { KnownCustomers } from '../known-customers/known-customers';
import { correlationOf, toVehicleView, vehicleEvent, type VehicleEventType } from './vehicle-view';
import {
  VEHICLE_CONSTRAINTS,
  VehiclesRepository,
  type SearchPosition,
  type VehicleRow,
  type VehicleWrite,
} from './vehicles.repository';

const DEFAULT_PAGE_SIZE = 25;

/**
 * Vehicles are the tenant's: every user of the tenant finds any vehicle by plate or VIN (a car
 * arrives at whichever station). Who may see a customer's vehicles is the customer's visibility.
 */
@Injectable()
export class VehiclesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: VehiclesRepository,
    private readonly customers: KnownCustomers,
    private readonly outbox: Outbox,
  ) {}

  async create(context: CallerContext, input: CreateVehicleDto): Promise<VehicleView> {
    const tenant = requireTenant(context);
    const write = buildWrite(input.registration, input);
    return this.write(async (manager) => {
      const row = await this.repository.insert(manager, tenant.id, uuidv7(), write);
      await this.publish(manager, VEHICLE_CREATED_V1, tenant.id, row, correlationOf(context));
      return toVehicleView(row);
    });
  }

  async get(context: CallerContext, id: string): Promise<VehicleView> {
    const tenant = requireTenant(context);
    const row = isUuid(id) ? await this.repository.findById(tenant.id, id) : null;
    if (!row) throw notFound('Vehicle');
    return toVehicleView(row);
  }

  async update(
    context: CallerContext,
    id: string,
    expectedVersion: number,
    patch: UpdateVehicleDto,
  ): Promise<VehicleView> {
    const tenant = requireTenant(context);
    if (!isUuid(id)) throw notFound('Vehicle');
    return this.write(async (manager) => {
      const current = await this.repository.findById(tenant.id, id, manager, true);
      if (!current) throw notFound('Vehicle');
      if (current.version !== expectedVersion) {
        throw RpcProblem.preconditionFailed(
          `The vehicle is at version ${current.version}, not ${expectedVersion}; read it again.`,
        );
      }
      const has = (field: keyof UpdateVehicleDto): boolean => patch[field] !== undefined;
      if (patch.registration === null) {
        throw RpcProblem.validation([
          { field: 'registration', reason: 'required', message: 'registration cannot be cleared' },
        ]);
      }
      const write = buildWrite(patch.registration ?? current.registration, {
        make: has('make') ? patch.make : current.make,
        model: has('model') ? patch.model : current.model,
        year: has('year') ? patch.year : current.year,
        vin: has('vin') ? patch.vin : current.vin,
        lastSeenAt: has('lastSeenAt')
          ? patch.lastSeenAt
          : current.last_seen_at && new Date(current.last_seen_at).toISOString(),
      });
      if (unchanged(current, write)) return toVehicleView(current);
      const row = await this.repository.update(manager, tenant.id, id, write);
      await this.publish(manager, VEHICLE_UPDATED_V1, tenant.id, row, correlationOf(context));
      return toVehicleView(row);
    });
  }

  async search(context: CallerContext, query: SearchVehiclesQueryDto): Promise<VehiclePage> {
    const tenant = requireTenant(context);
    if (query.customerId && !(await this.customers.visible(context, tenant.id, query.customerId))) {
      return { items: [], nextCursor: null };
    }
    return this.page(tenant.id, query);
  }

  /** The vehicles of a customer the caller can see (404 otherwise), by plate, in pages. */
  async ofCustomer(
    context: CallerContext,
    customerId: string,
    page: PageQueryDto = {},
  ): Promise<VehiclePage> {
    const tenant = requireTenant(context);
    await this.customers.requireVisible(context, tenant.id, customerId);
    return this.page(tenant.id, { ...page, customerId });
  }

  /** A page of the search, whose customer (if any) the caller may see. */
  private async page(tenantId: string, query: SearchVehiclesQueryDto): Promise<VehiclePage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const prefix = query.q !== undefined ? normaliseRegistration(query.q) : '';
    const rows = await this.repository.search({
      tenantId,
      prefix: prefix === '' ? null : prefix,
      customerId: query.customerId ?? null,
      after: query.cursor ? searchPosition(query.cursor) : null,
      limit: limit + 1,
    });
    return pageOf(rows, limit, toVehicleView, (row) => [row.found_by, row.search_key]);
  }

  async link(
    context: CallerContext,
    vehicleId: string,
    link: LinkVehicleCustomerDto,
  ): Promise<VehicleView> {
    const tenant = requireTenant(context);
    // The vehicle first: another tenant's vehicle is a 404 whatever the customer.
    if (!isUuid(vehicleId) || !(await this.repository.findById(tenant.id, vehicleId))) {
      throw notFound('Vehicle');
    }
    await this.customers.require(context, tenant.id, link.customerId);
    return this.write(async (manager) => {
      const current = await this.repository.findById(tenant.id, vehicleId, manager, true);
      if (!current) throw notFound('Vehicle');
      const existing = current.customers.find((l) => l.customer_id === link.customerId);
      const isDefault = link.isDefault ?? existing?.is_default ?? false;
      if (existing && existing.role === link.role && existing.is_default === isDefault) {
        return toVehicleView(current);
      }
      await this.repository.link(
        manager,
        tenant.id,
        vehicleId,
        link.customerId,
        link.role,
        isDefault,
      );
      const row = await this.repository.touch(manager, tenant.id, vehicleId);
      await this.publish(manager, VEHICLE_LINKED_V1, tenant.id, row, correlationOf(context));
      return toVehicleView(row);
    });
  }

  async unlink(
    context: CallerContext,
    vehicleId: string,
    customerId: string,
  ): Promise<VehicleView> {
    const tenant = requireTenant(context);
    if (!isUuid(vehicleId) || !isUuid(customerId)) throw notFound('Vehicle');
    return this.write(async (manager) => {
      const current = await this.repository.findById(tenant.id, vehicleId, manager, true);
      if (!current) throw notFound('Vehicle');
      // A customer the caller cannot see is not theirs to unlink: as if it were not linked.
      const visible = await this.customers.visible(context, tenant.id, customerId);
      if (!visible || !(await this.repository.unlink(manager, tenant.id, vehicleId, customerId))) {
        throw notFound('Vehicle link');
      }
      const row = await this.repository.touch(manager, tenant.id, vehicleId);
      await this.publish(manager, VEHICLE_UNLINKED_V1, tenant.id, row, correlationOf(context));
      return toVehicleView(row);
    });
  }

  /**
   * A vehicle a partner event names, found by plate or created; what the partner knows and the
   * record lacks (make, model, year, VIN) is filled in, and it was seen at `seenAt`.
   */
  async fromPartner(
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
        ...buildWrite(vehicle.registration, { ...vehicle, vin: vinFree ? vehicle.vin : null }),
        last_seen_at: seenAt,
      });
      await this.publish(manager, VEHICLE_CREATED_V1, tenantId, row, correlationId);
      return row.id;
    }
    return this.refreshFromPartner(manager, tenantId, current, vehicle, seenAt, correlationId);
  }

  /**
   * A vehicle the tenant has, read under its plate's lock and its row lock (so a staff edit is
   * waited for, then filled in, not written over): what it lacks filled in, seen then.
   */
  private async refreshFromPartner(
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
        await this.publish(manager, VEHICLE_UPDATED_V1, tenantId, row, correlationId);
      }
    }
    return current.id;
  }

  /**
   * `fromPartner` for the vehicles of a batch of partner events, answered in the order given:
   * the plates locked and looked up in one statement each, the new ones inserted in one, their
   * events in one outbox insert. A plate the tenant has, or one an earlier sighting of the batch
   * brings too, is filled in after the inserts, one vehicle at a time (what it fills in is per
   * vehicle), from the row already read where there is one.
   */
  async fromPartnerMany(manager: EntityManager, sightings: PartnerSighting[]): Promise<string[]> {
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
          ...buildWrite(s.vehicle.registration, { ...s.vehicle, vin }),
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
          ? await this.refreshFromPartner(
              manager,
              s.tenantId,
              current,
              s.vehicle,
              s.seenAt,
              s.correlationId,
            )
          : await this.fromPartner(manager, s.tenantId, s.vehicle, s.seenAt, s.correlationId),
      );
    }
    return ids;
  }

  /**
   * Links a customer a partner named: in the role the partner gave, or else as owner when the
   * vehicle has none and as proxy when it has; the default customer when it has none. An existing
   * link is left as staff set it.
   */
  async linkFromPartner(
    manager: EntityManager,
    tenantId: string,
    vehicleId: string,
    customerId: string,
    correlationId: string | null,
    role?: VehicleRole,
  ): Promise<void> {
    const current = await this.repository.findById(tenantId, vehicleId, manager, true);
    if (!current || current.customers.some((l) => l.customer_id === customerId)) return;
    role ??= partnerRole(current.customers);
    const isDefault = !current.customers.some((l) => l.is_default);
    await this.repository.link(manager, tenantId, vehicleId, customerId, role, isDefault);
    const row = await this.repository.touch(manager, tenantId, vehicleId);
    await this.publish(manager, VEHICLE_LINKED_V1, tenantId, row, correlationId);
  }

  /**
   * `linkFromPartner` for several vehicles at once: the vehicles locked and read in one
   * statement each, the links written in one or two, the vehicles touched in one, their events
   * in one outbox insert. A vehicle named twice is linked the second time through
   * `linkFromPartner` (its links have changed in between).
   */
  async linkManyFromPartner(manager: EntityManager, links: PartnerLink[]): Promise<void> {
    const firsts = new Map<string, PartnerLink>();
    const again: PartnerLink[] = [];
    for (const link of links) {
      const key = `${link.tenantId}:${link.vehicleId}`;
      if (firsts.has(key)) again.push(link);
      else firsts.set(key, link);
    }
    const keys = [...firsts.values()].map((l) => ({ tenantId: l.tenantId, id: l.vehicleId }));
    if (keys.length > 0) {
      const current = new Map(
        (await this.repository.findMany(manager, keys, true)).map((row) => [
          `${row.tenant_id}:${row.id}`,
          row,
        ]),
      );
      const writes = [...firsts.entries()].flatMap(([key, link]) => {
        const row = current.get(key);
        if (!row || row.customers.some((l) => l.customer_id === link.customerId)) return [];
        return [
          {
            ...link,
            role: link.role ?? partnerRole(row.customers),
            isDefault: !row.customers.some((l) => l.is_default),
          },
        ];
      });
      if (writes.length > 0) {
        await this.repository.linkMany(manager, writes);
        const touched = new Map(
          (
            await this.repository.touchMany(
              manager,
              writes.map((w) => ({ tenantId: w.tenantId, id: w.vehicleId })),
            )
          ).map((row) => [`${row.tenant_id}:${row.id}`, row]),
        );
        await this.outbox.enqueue(
          manager,
          writes.map((w) =>
            vehicleEvent(
              VEHICLE_LINKED_V1,
              w.tenantId,
              touched.get(`${w.tenantId}:${w.vehicleId}`)!,
              w.correlationId,
            ),
          ),
        );
      }
    }
    for (const link of again) {
      await this.linkFromPartner(
        manager,
        link.tenantId,
        link.vehicleId,
        link.customerId,
        link.correlationId,
        link.role,
      );
    }
  }

  private async vinTaken(manager: EntityManager, tenantId: string, vin: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      'SELECT 1 FROM vehicles.vehicles WHERE tenant_id = $1 AND vin = $2',
      [tenantId, vin],
    );
    return rows.length > 0;
  }

  private async publish(
    manager: EntityManager,
    type: VehicleEventType,
    tenantId: string,
    row: VehicleRow,
    correlationId: string | null,
  ): Promise<void> {
    await this.outbox.enqueue(manager, [vehicleEvent(type, tenantId, row, correlationId)]);
  }

  /** A transaction whose unique violations become 409s naming the field. */
  private write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return transactionWithConflicts(this.dataSource, work, {
      [VEHICLE_CONSTRAINTS.registration]: () =>
        taken(
          'registration-taken',
          'registration',
          'Another vehicle of this tenant has this registration.',
        ),
      [VEHICLE_CONSTRAINTS.vin]: () =>
        taken('vin-taken', 'vin', 'Another vehicle of this tenant has this VIN.'),
    });
  }
}

/** A vehicle a partner event names, seen at the event's time. */
export interface PartnerSighting {
  tenantId: string;
  vehicle: PartnerVehicle;
  seenAt: string;
  correlationId: string | null;
}

/** A customer a partner event's contact resolved to, for a vehicle the event named. */
export interface PartnerLink {
  tenantId: string;
  vehicleId: string;
  customerId: string;
  correlationId: string | null;
  /** As the partner said (`vehicle.customerRole`); absent, see `partnerRole`. */
  role?: VehicleRole;
}

/** The role of a customer a partner named without one: owner of a vehicle that has none. */
function partnerRole(links: { role: VehicleRole }[]): VehicleRole {
  return links.some((l) => l.role === 'owner') ? 'proxy' : 'owner';
}

interface VehicleFields {
  make?: string | null;
  model?: string | null;
  year?: number | null;
  vin?: string | null;
  lastSeenAt?: string | null;
}

function buildWrite(registration: string, fields: VehicleFields): VehicleWrite {
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

function unchanged(current: VehicleRow, write: VehicleWrite): boolean {
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

/** A partner's vehicle with its VIN as stored: partners may send it in any case, with hyphens. */
function asSighted(vehicle: PartnerVehicle): PartnerVehicle {
  return vehicle.vin === undefined ? vehicle : { ...vehicle, vin: normaliseVin(vehicle.vin) };
}

/** Where a search's page ended, from its cursor (a 422 for one this API did not issue). */
function searchPosition(cursor: string): SearchPosition {
  const [by, key] = decodeCursor(cursor, 2);
  if (by !== 'plate' && by !== 'vin') decodeCursor('', 2);
  return { by: by as SearchPosition['by'], key };
}
