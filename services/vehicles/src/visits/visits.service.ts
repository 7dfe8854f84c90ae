import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  VISIT_RECORDED_V1,
  VISIT_UPDATED_V1,
  type CallerContext,
  type CreatedVisitResult,
  type CreateVisitDto,
  type FieldError,
  type ListVisitsQueryDto,
  type UpdateVisitDto,
  type VisitPage,
  type VisitRangeQueryDto,
  type VisitView,
  textOrNull,
  isUuid,
} from '@kanta/contracts';
import { CommandLog, Outbox } from '@kanta/messaging';
import {
  customerErased,
  idempotencyKeyReused,
  RpcProblem,
  uuidv7,
  type WriteCommand,
} from '@kanta/platform';
import {
  invalidTransition,
  notFound,
  requireTenant,
  seesStation,
  stationProblem,
  listedStations,
  taken,
  visibleStations,
} from '../caller-access';
import { timeKeysetPage, transactionWithConflicts } from '../cursor';
import { CustomerAccess } from '../known-customers/customer-access';
import { VehiclesRepository, type VehicleRow } from '../vehicles/vehicles.repository';
import { correlationOf } from '../vehicles/vehicle-view';
import { toVisitView, visitEvent } from './visit-view';
import { VISIT_EXTERNAL_ID_UNIQUE, VisitsRepository, type VisitChanges } from './visits.repository';

/**
 * Visits (bookings, inspections, work orders, appointments) at a station. A worker sees and
 * records the visits of their own stations only; anything else is a 404.
 */
@Injectable()
export class VisitsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: VisitsRepository,
    private readonly vehicles: VehiclesRepository,
    private readonly customers: CustomerAccess,
    private readonly outbox: Outbox,
    private readonly commands: CommandLog,
  ) {}

  /**
   * Books a visit. The command delivered again (a redelivery, or the client's Idempotency-Key sent
   * again: a double click at reception books once) answers the visit the first delivery made.
   */
  async create(
    context: CallerContext,
    input: CreateVisitDto,
    command: WriteCommand,
  ): Promise<CreatedVisitResult> {
    requireTenant(context);
    return this.commands.once(
      command,
      async () => ({ visit: await this.createOnce(context, input, command), replayed: false }),
      async (earlier) => {
        const tenant = requireTenant(context);
        const row = earlier.resultId
          ? await this.repository.findById(tenant.id, earlier.resultId)
          : null;
        // Keys are the tenant's; a caller who cannot see the first visit must not get it back.
        if (!row || !seesStation(context, row.station_id)) throw idempotencyKeyReused();
        return { visit: toVisitView(row), replayed: command.fromClient };
      },
    );
  }

  private async createOnce(
    context: CallerContext,
    input: CreateVisitDto,
    command: WriteCommand,
  ): Promise<VisitView> {
    const tenant = requireTenant(context);
    const stationId = input.stationId ?? context.currentStationId;
    const errors: FieldError[] = [...stationProblem(context, stationId)];
    if (input.consents && !input.customerId) {
      errors.push({
        field: 'consents',
        reason: 'requires_customer',
        message: "consents are recorded for the visit's customer: send customerId too",
      });
    }
    const vehicle = await this.namedVehicle(tenant.id, input.vehicleId);
    errors.push(...vehicle.problems);
    if (errors.length > 0) throw RpcProblem.validation(errors);
    if (input.customerId) await this.customers.require(context, tenant.id, input.customerId);
    const customerId =
      input.customerId ?? (await this.arrivingCustomer(context, tenant.id, vehicle.row));
    return transactionWithConflicts(
      this.dataSource,
      async (manager) => {
        // The customer first, in the eraser's order (CustomerAccess.isErased). One the caller
        // named must not be erased. The vehicle's default customer is held only: erased
        // meanwhile, the trigger of the visits table then keeps text off the visit (which it
        // would not if it ran while the erasure was still to commit).
        if (input.customerId) {
          await this.customers.requireWritable(manager, tenant.id, input.customerId);
        } else if (customerId) {
          await this.customers.isErased(manager, tenant.id, customerId);
        }
        const id = uuidv7();
        // The command next: a concurrent delivery of it waits here, then fails on it (before it
        // could trip over the visit's own unique external id) and is answered with this visit.
        await this.commands.record(manager, command, { id });
        const row = await this.repository.insert(manager, tenant.id, {
          id,
          station_id: stationId!,
          customer_id: customerId,
          vehicle_id: input.vehicleId ?? null,
          kind: input.kind,
          channel: input.channel,
          status: 'booked',
          scheduled_at: new Date(input.scheduledAt),
          staff_user_id: input.staffUserId ?? context.userId,
          notes: textOrNull(input.notes),
          special_requests: textOrNull(input.specialRequests),
          prepaid_minor: input.prepaid ? String(input.prepaid.amountMinor) : null,
          prepaid_currency: input.prepaid?.currency ?? null,
          partner_link: input.partnerLink ?? null,
          external_id: input.externalId ?? null,
          source: null,
        });
        await this.outbox.enqueue(manager, [
          visitEvent(
            VISIT_RECORDED_V1,
            tenant.id,
            row,
            correlationOf(context),
            input.consents && {
              source: input.consents.source ?? 'reception',
              recordedBy: context.userId,
              decisions: input.consents.decisions,
            },
          ),
        ]);
        return toVisitView(row);
      },
      {
        [VISIT_EXTERNAL_ID_UNIQUE]: () =>
          taken(
            'external-id-taken',
            'externalId',
            'Another visit of this tenant has this external id.',
          ),
      },
    );
  }

  /** The vehicle a visit names: one of the tenant's, or a problem. */
  private async namedVehicle(
    tenantId: string,
    vehicleId?: string | null,
  ): Promise<{ row: VehicleRow | null; problems: FieldError[] }> {
    const row = vehicleId ? await this.vehicles.findById(tenantId, vehicleId) : null;
    if (!vehicleId || row) return { row, problems: [] };
    return {
      row: null,
      problems: [
        {
          field: 'vehicleId',
          reason: 'unknown_vehicle',
          message: 'vehicleId is not a vehicle of your tenant',
        },
      ],
    };
  }

  /**
   * The customer reception gets when the vehicle arrives: its default customer, for a visit that
   * names none, when the caller may see them.
   */
  private async arrivingCustomer(
    context: CallerContext,
    tenantId: string,
    vehicle: VehicleRow | null,
  ): Promise<string | null> {
    const link = vehicle?.customers.find((l) => l.is_default);
    if (!link) return null;
    // A default link a merge left on the duplicate (the survivor had a link of its own to the
    // car) brings the survivor.
    const customerId = await this.customers.survivorOf(tenantId, link.customer_id);
    return (await this.customers.visible(context, tenantId, customerId)) ? customerId : null;
  }

  async get(context: CallerContext, id: string): Promise<VisitView> {
    const tenant = requireTenant(context);
    const row = isUuid(id) ? await this.repository.findById(tenant.id, id) : null;
    if (!row || !seesStation(context, row.station_id)) throw notFound('Visit');
    return toVisitView(row);
  }

  /**
   * Completes, cancels or marks a no-show (only a booked visit changes status), reschedules a
   * booked visit, or changes its notes and staff user.
   */
  async update(
    context: CallerContext,
    id: string,
    expectedVersion: number,
    patch: UpdateVisitDto,
    command: WriteCommand,
  ): Promise<VisitView> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.updateOnce(context, id, expectedVersion, patch, command),
      () => this.get(context, id),
    );
  }

  private async updateOnce(
    context: CallerContext,
    id: string,
    expectedVersion: number,
    patch: UpdateVisitDto,
    command: WriteCommand,
  ): Promise<VisitView> {
    const tenant = requireTenant(context);
    // A visit the caller may not see is a 404 before anything the patch names is looked at.
    const visible = isUuid(id) ? await this.repository.findById(tenant.id, id) : null;
    if (!visible || !seesStation(context, visible.station_id)) throw notFound('Visit');
    // Who and what the patch names are checked next, outside the transaction: a customer may
    // take a moment to be known.
    const vehicle = await this.namedVehicle(tenant.id, patch.vehicleId);
    if (vehicle.problems.length > 0) throw RpcProblem.validation(vehicle.problems);
    if (patch.customerId) await this.customers.require(context, tenant.id, patch.customerId);
    // A vehicle named for a visit without a customer brings its default customer.
    const arriving =
      patch.customerId === undefined &&
      visible.customer_id === null &&
      patch.vehicleId !== visible.vehicle_id
        ? await this.arrivingCustomer(context, tenant.id, vehicle.row)
        : null;
    return this.dataSource.transaction(async (manager) => {
      // The customers the visit may end up with, before the vehicle and the visit, in the
      // eraser's order (CustomerAccess.isErased): the one the patch names must not be erased.
      const held = new Map<string, boolean>();
      const hold = async (customerId: string): Promise<boolean> => {
        if (!held.has(customerId)) {
          held.set(customerId, await this.customers.isErased(manager, tenant.id, customerId));
        }
        return held.get(customerId)!;
      };
      if (patch.customerId) {
        await this.customers.requireWritable(manager, tenant.id, patch.customerId);
        held.set(patch.customerId, false);
      } else if (patch.customerId === undefined) {
        // In one order, as the customers service's events update several rows.
        const customers = [visible.customer_id, arriving].filter((c) => c !== null).sort();
        for (const customerId of customers) {
          await hold(customerId);
        }
      }
      // A vehicle this change may mark seen is locked before the visit, in the order partner
      // intake takes them (vehicle, then visit): a DMS completion of the same booking at the
      // same moment waits instead of deadlocking.
      if (patch.status === 'completed' || patch.vehicleId) {
        const seen = patch.vehicleId ?? visible.vehicle_id;
        if (seen) await this.vehicles.findById(tenant.id, seen, manager, true);
      }
      const current = await this.repository.findById(tenant.id, id, manager, true);
      if (!current || !seesStation(context, current.station_id)) throw notFound('Visit');
      if (current.version !== expectedVersion) {
        throw RpcProblem.preconditionFailed(
          `The visit is at version ${current.version}, not ${expectedVersion}; read it again.`,
        );
      }
      const status = patch.status ?? current.status;
      if (status !== current.status && current.status !== 'booked') {
        throw invalidTransition(current.status, status);
      }
      const scheduledAt = patch.scheduledAt ? new Date(patch.scheduledAt) : current.scheduled_at;
      const rescheduled = scheduledAt.getTime() !== new Date(current.scheduled_at).getTime();
      if (rescheduled && current.status !== 'booked') {
        throw RpcProblem.validation([
          {
            field: 'scheduledAt',
            reason: 'not_booked',
            message: `a ${current.status} visit cannot be rescheduled`,
          },
        ]);
      }
      const has = (field: keyof UpdateVisitDto): boolean => patch[field] !== undefined;
      // A reason needs a cancelled visit; none (null, as a visit read and sent back has) is fine.
      if (textOrNull(patch.cancelReason) !== null && status !== 'cancelled') {
        throw RpcProblem.validation([
          {
            field: 'cancelReason',
            reason: 'not_cancelled',
            message: 'cancelReason goes with status cancelled, or on a cancelled visit',
          },
        ]);
      }
      const next: VisitChanges = {
        status,
        scheduled_at: scheduledAt,
        notes: has('notes') ? textOrNull(patch.notes) : current.notes,
        special_requests: has('specialRequests')
          ? textOrNull(patch.specialRequests)
          : current.special_requests,
        staff_user_id: has('staffUserId') ? (patch.staffUserId ?? null) : current.staff_user_id,
        customer_id: has('customerId')
          ? (patch.customerId ?? null)
          : (current.customer_id ?? (current.vehicle_id !== patch.vehicleId ? arriving : null)),
        vehicle_id: has('vehicleId') ? (patch.vehicleId ?? null) : current.vehicle_id,
        partner_link: has('partnerLink') ? (patch.partnerLink ?? null) : current.partner_link,
        cancel_reason: has('cancelReason') ? textOrNull(patch.cancelReason) : current.cancel_reason,
      };
      // An erased customer's visit keeps its history without text about the person: a write
      // that would give it some is refused (the trigger of the visits table would drop it).
      // Its customer was held above, unless the visit changed between the two reads; then its
      // version did too (every change of customer_id counts one) and the 412 above answered.
      // Held now, out of order, should one ever come here.
      const text = [next.notes, next.special_requests, next.cancel_reason, next.partner_link];
      if (
        next.customer_id !== null &&
        text.some((t) => t !== null) &&
        (await hold(next.customer_id))
      ) {
        throw customerErased();
      }
      const same = (field: keyof VisitChanges): boolean =>
        field === 'scheduled_at' ? !rescheduled : next[field] === current[field];
      if ((Object.keys(next) as (keyof VisitChanges)[]).every(same)) {
        return toVisitView(current);
      }
      const row = await this.repository.update(manager, tenant.id, id, next);
      if (row.customer_id !== current.customer_id) {
        await this.repository.moveSales(
          manager,
          tenant.id,
          id,
          current.customer_id,
          row.customer_id,
        );
      }
      // A vehicle is seen when its visit is completed (or named on a completed visit).
      const completedWith =
        row.status === 'completed' &&
        row.vehicle_id !== null &&
        (current.status !== 'completed' || current.vehicle_id !== row.vehicle_id);
      if (completedWith) await this.vehicles.seen(manager, tenant.id, row.vehicle_id!, new Date());
      await this.outbox.enqueue(manager, [
        visitEvent(VISIT_UPDATED_V1, tenant.id, row, correlationOf(context)),
      ]);
      await this.commands.record(manager, command, { id });
      return toVisitView(row);
    });
  }

  async list(context: CallerContext, query: ListVisitsQueryDto): Promise<VisitPage> {
    const tenant = requireTenant(context);
    const stationIds = listedStations(context, query.stationId);
    if (stationIds?.length === 0) return { items: [], nextCursor: null };
    return this.page(tenant.id, query, {
      stationIds,
      // A merged customer's history is its survivor's now.
      customerId: query.customerId
        ? await this.customers.survivorOf(tenant.id, query.customerId)
        : null,
      vehicleId: query.vehicleId ?? null,
      status: query.status ?? null,
      channel: query.channel ?? null,
    });
  }

  /** A customer's visits, past and upcoming, that the caller may see (404 for the customer). */
  async ofCustomer(
    context: CallerContext,
    customerId: string,
    range: VisitRangeQueryDto,
  ): Promise<VisitPage> {
    const tenant = requireTenant(context);
    const owner = await this.customers.requireVisible(context, tenant.id, customerId);
    return this.page(tenant.id, range, {
      stationIds: visibleStations(context),
      customerId: owner,
      vehicleId: null,
      status: null,
      channel: null,
    });
  }

  private page(
    tenantId: string,
    range: VisitRangeQueryDto,
    filter: Pick<VisitFilterPart, 'stationIds' | 'customerId' | 'vehicleId' | 'status' | 'channel'>,
  ): Promise<VisitPage> {
    return timeKeysetPage(
      range,
      (window) => this.repository.list({ tenantId, ...filter, ...window }),
      toVisitView,
      (row) => row.scheduled_at,
    );
  }
}

type VisitFilterPart = Parameters<VisitsRepository['list']>[0];
