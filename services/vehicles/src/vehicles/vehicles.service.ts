import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  VEHICLE_CREATED_V1,
  VEHICLE_LINKED_V1,
  VEHICLE_UNLINKED_V1,
  VEHICLE_UPDATED_V1,
  normaliseRegistration,
  type CallerContext,
  type CreateVehicleDto,
  type LinkVehicleCustomerDto,
  type PartnerVehicle,
  type SearchVehiclesQueryDto,
  type UpdateVehicleDto,
  type VehiclePage,
  type VehicleView,
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
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    if (query.customerId && !(await this.customers.visible(context, tenant.id, query.customerId))) {
      return { items: [], nextCursor: null };
    }
    const prefix = query.q !== undefined ? normaliseRegistration(query.q) : '';
    const rows = await this.repository.search({
      tenantId: tenant.id,
      prefix: prefix === '' ? null : prefix,
      customerId: query.customerId ?? null,
      after: query.cursor ? decodeCursor(query.cursor, 1)[0] : null,
      limit: limit + 1,
    });
    return pageOf(rows, limit, toVehicleView, (row) => [row.registration_norm]);
  }

  /** The vehicles of a customer the caller can see (404 otherwise). */
  async ofCustomer(context: CallerContext, customerId: string): Promise<VehiclePage> {
    const tenant = requireTenant(context);
    if (!isUuid(customerId) || !(await this.customers.visible(context, tenant.id, customerId))) {
      throw notFound('Customer');
    }
    const rows = await this.repository.search({
      tenantId: tenant.id,
      prefix: null,
      customerId,
      after: null,
      limit: 200,
    });
    return { items: rows.map(toVehicleView), nextCursor: null };
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
    const norm = normaliseRegistration(vehicle.registration);
    // Two partner events bringing the same new plate at once make one vehicle, not a conflict.
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `vehicles:${tenantId}:plate:${norm}`,
    ]);
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
   * Links a customer a partner named: as owner when the vehicle has none, else as proxy; the
   * default customer when it has none. An existing link is left as staff set it.
   */
  async linkFromPartner(
    manager: EntityManager,
    tenantId: string,
    vehicleId: string,
    customerId: string,
    correlationId: string | null,
  ): Promise<void> {
    const current = await this.repository.findById(tenantId, vehicleId, manager, true);
    if (!current || current.customers.some((l) => l.customer_id === customerId)) return;
    const role = current.customers.some((l) => l.role === 'owner') ? 'proxy' : 'owner';
    const isDefault = !current.customers.some((l) => l.is_default);
    await this.repository.link(manager, tenantId, vehicleId, customerId, role, isDefault);
    const row = await this.repository.touch(manager, tenantId, vehicleId);
    await this.publish(manager, VEHICLE_LINKED_V1, tenantId, row, correlationId);
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

interface VehicleFields {
  make?: string | null;
  model?: string | null;
  year?: number | null;
  vin?: string | null;
  lastSeenAt?: string | null;
}

function buildWrite(registration: string, fields: VehicleFields): VehicleWrite {
  const text = (value: string | null | undefined): string | null =>
    value === null || value === undefined || value.trim() === '' ? null : value.trim();
  return {
    registration: registration.trim(),
    registration_norm: normaliseRegistration(registration),
    make: text(fields.make),
    model: text(fields.model),
    year: fields.year ?? null,
    vin: text(fields.vin),
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
