import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { VEHICLE_LINKED_V1, type VehicleRole } from '@kanta/contracts';
import { Outbox } from '@kanta/messaging';
import { vehicleEvent } from '../vehicles/vehicle-view';
import { VehiclesRepository } from '../vehicles/vehicles.repository';

/** A customer a partner event's contact resolved to, for a vehicle the event named. */
export interface PartnerLink {
  tenantId: string;
  vehicleId: string;
  customerId: string;
  correlationId: string | null;
  /** As the partner said (`vehicle.customerRole`); absent, see `partnerRole`. */
  role?: VehicleRole;
}

/**
 * Links the customers partners name to their vehicles: in the role the partner gave, or else as
 * owner when the vehicle has none and as proxy when it has; the default customer when it has
 * none. An existing link is left as staff set it.
 */
@Injectable()
export class PartnerVehicleLinks {
  constructor(
    private readonly repository: VehiclesRepository,
    private readonly outbox: Outbox,
  ) {}

  async link(
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
    await this.outbox.enqueue(manager, [
      vehicleEvent(VEHICLE_LINKED_V1, tenantId, row, correlationId),
    ]);
  }

  /**
   * `link` for several vehicles at once: the vehicles locked and read in one statement each, the
   * links written in one or two, the vehicles touched in one, their events in one outbox insert.
   * A vehicle named twice is linked the second time through `link` (its links have changed in
   * between).
   */
  async linkMany(manager: EntityManager, links: PartnerLink[]): Promise<void> {
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
      await this.link(
        manager,
        link.tenantId,
        link.vehicleId,
        link.customerId,
        link.correlationId,
        link.role,
      );
    }
  }
}

/** The role of a customer a partner named without one: owner of a vehicle that has none. */
function partnerRole(links: { role: VehicleRole }[]): VehicleRole {
  return links.some((l) => l.role === 'owner') ? 'proxy' : 'owner';
}
