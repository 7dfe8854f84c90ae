import { lockKeys } from '@kanta/database';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { VISIT_RECORDED_V1, VISIT_UPDATED_V1, type PartnerVehicle } from '@kanta/contracts';
import { Outbox } from '@kanta/messaging';
import { visitEvent } from '../visits/visit-view';
import { parkVehicles, takeAnswer } from './contact-answers';
import { lockKey, type Intake } from './intake';
import { PartnerVehicleLinks } from './partner-vehicle-links';
import { PartnerVisitsRepository, type PartnerVisitFacts } from './partner-visits.repository';
import { VehicleSightings } from './vehicle-sightings';

/** The visit facts every visit event shares; the handler adds what its event says. */
export function visitFacts(i: Intake, externalId: string, stationId: string): PartnerVisitFacts {
  return {
    externalId,
    stationId,
    source: i.source,
    booking: null,
    schedule: null,
    status: null,
    placeholder: { kind: 'booking', channel: 'online_booking', at: i.occurredAt },
    customerId: null,
    vehicleId: null,
    contactEventId: null,
    partnerLink: null,
  };
}

/**
 * The visits partner events report, by the partner's reference: written under the booking's
 * lock (so a sale of the booking either sees the visit or is seen by it), waiting for their
 * contact's answer when it is still to come, taking the receipts that waited for them.
 */
@Injectable()
export class PartnerVisits {
  constructor(
    private readonly visitRows: PartnerVisitsRepository,
    private readonly sightings: VehicleSightings,
    private readonly links: PartnerVehicleLinks,
    private readonly outbox: Outbox,
  ) {}

  record(i: Intake, facts: PartnerVisitFacts): Promise<void> {
    return this.recordMany(i.manager, [{ i, facts }]);
  }

  /** Visits, each (tenant, external id) at most once, in a few statements for all. */
  async recordMany(
    manager: EntityManager,
    writes: { i: Intake; facts: PartnerVisitFacts }[],
  ): Promise<void> {
    await lockKeys(
      manager,
      writes.map(({ i, facts }) => lockKey(i, `booking:${facts.externalId}`)),
    );
    const written = await this.visitRows.upsertMany(
      manager,
      writes.map(({ i, facts }) => ({ tenantId: i.tenantId, facts })),
    );
    await this.visitRows.awaitContacts(
      manager,
      written.flatMap(({ row }, n) => {
        const { i, facts } = writes[n];
        return facts.contactEventId
          ? [{ tenantId: i.tenantId, partnerEventId: facts.contactEventId, visit: row }]
          : [];
      }),
    );
    await this.visitRows.attachWaitingSalesMany(
      manager,
      written.map(({ row }, n) => ({ tenantId: writes[n].i.tenantId, visit: row })),
    );
    await this.outbox.enqueue(
      manager,
      written.map(({ row, inserted }, n) =>
        visitEvent(
          inserted ? VISIT_RECORDED_V1 : VISIT_UPDATED_V1,
          writes[n].i.tenantId,
          row,
          writes[n].i.correlationId,
        ),
      ),
    );
  }

  /** The customer (if already resolved), the vehicle, and the contact still to be resolved. */
  async parties(
    i: Intake,
    hasContact: boolean,
    vehicle: PartnerVehicle | undefined,
  ): Promise<Pick<PartnerVisitFacts, 'customerId' | 'vehicleId' | 'contactEventId'>> {
    const { customerId, answered } = await takeAnswer(i, hasContact);
    const waiting = hasContact && !answered;
    const vehicleId = vehicle ? await this.vehicle(i, vehicle, customerId, waiting) : null;
    return { customerId, vehicleId, contactEventId: waiting ? i.eventId : null };
  }

  /**
   * The vehicle found or created; linked to the customer now, or when the answer comes if the
   * event still waits for it.
   */
  private async vehicle(
    i: Intake,
    vehicle: PartnerVehicle,
    customerId: string | null,
    waiting: boolean,
  ): Promise<string> {
    const vehicleId = await this.sightings.record(
      i.manager,
      i.tenantId,
      vehicle,
      i.occurredAt,
      i.correlationId,
    );
    if (customerId) {
      await this.links.link(
        i.manager,
        i.tenantId,
        vehicleId,
        customerId,
        i.correlationId,
        vehicle.customerRole,
      );
    } else if (waiting) {
      await parkVehicles(i.manager, [{ i, vehicleId, role: vehicle.customerRole ?? null }]);
    }
    return vehicleId;
  }
}
