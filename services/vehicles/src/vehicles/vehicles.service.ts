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
  type PageQueryDto,
  type SearchVehiclesQueryDto,
  type UpdateVehicleDto,
  type VehiclePage,
  type VehicleView,
  isUuid,
} from '@kanta/contracts';
import { CommandLog, Outbox } from '@kanta/messaging';
import { RpcProblem, decodeKeysetCursor, uuidv7, type WriteCommand } from '@kanta/platform';
import { notFound, requireTenant, taken } from '../caller-access';
import { pageOf, transactionWithConflicts } from '../cursor';
import { CustomerAccess } from '../known-customers/customer-access';
import { correlationOf, toVehicleView, vehicleEvent, type VehicleEventType } from './vehicle-view';
import {
  VEHICLE_CONSTRAINTS,
  VehiclesRepository,
  type SearchPosition,
  type VehicleRow,
} from './vehicles.repository';
import { buildVehicleWrite, unchanged } from './vehicle-write';

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
    private readonly customers: CustomerAccess,
    private readonly outbox: Outbox,
    private readonly commands: CommandLog,
  ) {}

  async create(
    context: CallerContext,
    input: CreateVehicleDto,
    command: WriteCommand,
  ): Promise<VehicleView> {
    const tenant = requireTenant(context);
    const write = buildVehicleWrite(input.registration, input);
    return this.write(context, command, async (manager) => {
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
    command: WriteCommand,
  ): Promise<VehicleView> {
    const tenant = requireTenant(context);
    if (!isUuid(id)) throw notFound('Vehicle');
    return this.write(context, command, async (manager) => {
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
      const write = buildVehicleWrite(patch.registration ?? current.registration, {
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
    if (!query.customerId) return this.page(tenant.id, query);
    const owner = await this.customers.recordsOf(context, tenant.id, query.customerId);
    if (!owner) return { items: [], nextCursor: null };
    return this.page(tenant.id, { ...query, customerId: owner });
  }

  /** The vehicles of a customer the caller can see (404 otherwise), by plate, in pages. */
  async ofCustomer(
    context: CallerContext,
    customerId: string,
    page: PageQueryDto = {},
  ): Promise<VehiclePage> {
    const tenant = requireTenant(context);
    const owner = await this.customers.requireVisible(context, tenant.id, customerId);
    return this.page(tenant.id, { ...page, customerId: owner });
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
    command: WriteCommand,
  ): Promise<VehicleView> {
    const tenant = requireTenant(context);
    // The vehicle first: another tenant's vehicle is a 404 whatever the customer.
    if (!isUuid(vehicleId) || !(await this.repository.findById(tenant.id, vehicleId))) {
      throw notFound('Vehicle');
    }
    await this.customers.require(context, tenant.id, link.customerId);
    return this.write(context, command, async (manager) => {
      // The customer before the vehicle, in the eraser's order (CustomerAccess.isErased).
      await this.customers.requireWritable(manager, tenant.id, link.customerId);
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
    command: WriteCommand,
  ): Promise<VehicleView> {
    const tenant = requireTenant(context);
    if (!isUuid(vehicleId) || !isUuid(customerId)) throw notFound('Vehicle');
    return this.write(context, command, async (manager) => {
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

  private async publish(
    manager: EntityManager,
    type: VehicleEventType,
    tenantId: string,
    row: VehicleRow,
    correlationId: string | null,
  ): Promise<void> {
    await this.outbox.enqueue(manager, [vehicleEvent(type, tenantId, row, correlationId)]);
  }

  /**
   * A change of one vehicle, run once per command: a transaction that records the command with the
   * vehicle, whose unique violations become 409s naming the field. The command delivered again
   * answers the vehicle as it is now.
   */
  private write(
    context: CallerContext,
    command: WriteCommand,
    work: (manager: EntityManager) => Promise<VehicleView>,
  ): Promise<VehicleView> {
    return this.commands.once(
      command,
      () =>
        transactionWithConflicts(
          this.dataSource,
          async (manager) => {
            const vehicle = await work(manager);
            await this.commands.record(manager, command, { id: vehicle.id });
            return vehicle;
          },
          {
            [VEHICLE_CONSTRAINTS.registration]: () =>
              taken(
                'registration-taken',
                'registration',
                'Another vehicle of this tenant has this registration.',
              ),
            [VEHICLE_CONSTRAINTS.vin]: () =>
              taken('vin-taken', 'vin', 'Another vehicle of this tenant has this VIN.'),
          },
        ),
      (earlier) => this.get(context, earlier.resultId ?? ''),
    );
  }
}

/** Where a search's page ended, from its cursor (a 422 for one this API did not issue). */
function searchPosition(cursor: string): SearchPosition {
  const [by, key] = decodeKeysetCursor(
    cursor,
    (parts) => parts.length === 2 && (parts[0] === 'plate' || parts[0] === 'vin'),
  );
  return { by: by as SearchPosition['by'], key };
}
