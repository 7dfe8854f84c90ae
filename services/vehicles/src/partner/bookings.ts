import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  PARTNER_BOOKING_CREATED_V1,
  PARTNER_BOOKING_RESCHEDULED_V1,
  type VehicleRole,
  type VisitStatus,
} from '@kanta/contracts';
import type { TypedEvent } from '@kanta/messaging';
import { parkVehicles, takeAnswers } from './contact-answers';
import type { Intake } from './intake';
import { PartnerVehicleLinks, type PartnerLink } from './partner-vehicle-links';
import { PartnerVisits, visitFacts } from './partner-visits';
import { VehicleSightings } from './vehicle-sightings';

/** A booking system's bookings: made, moved, cancelled or not turned up to. */
@Injectable()
export class PartnerBookings {
  constructor(
    private readonly sightings: VehicleSightings,
    private readonly links: PartnerVehicleLinks,
    private readonly visits: PartnerVisits,
  ) {}

  /**
   * New bookings, each (tenant, booking) once: every step for all of them at once, in the order
   * one booking takes them — its contact's answer, its vehicle and link, its visit — so the
   * locks are taken in the same order as by one booking alone.
   */
  async created(
    bookings: { i: Intake; e: TypedEvent<typeof PARTNER_BOOKING_CREATED_V1> }[],
    manager: EntityManager,
  ): Promise<void> {
    const answers = await takeAnswers(
      manager,
      bookings.filter(({ e }) => e.payload.customer !== undefined).map(({ i }) => i),
    );
    const sighted = bookings.filter(({ e }) => e.payload.vehicle !== undefined);
    const vehicleIds = await this.sightings.recordMany(
      manager,
      sighted.map(({ i, e }) => ({
        tenantId: i.tenantId,
        vehicle: e.payload.vehicle!,
        seenAt: i.occurredAt,
        correlationId: i.correlationId,
      })),
    );
    const vehicleOf = new Map(sighted.map(({ i }, n) => [i, vehicleIds[n]]));
    const links: PartnerLink[] = [];
    const pending: { i: Intake; vehicleId: string; role: VehicleRole | null }[] = [];
    for (const { i, e } of sighted) {
      const customerId = answers.get(i) ?? null;
      const vehicleId = vehicleOf.get(i)!;
      const role = e.payload.vehicle!.customerRole;
      if (customerId) {
        links.push({
          tenantId: i.tenantId,
          vehicleId,
          customerId,
          correlationId: i.correlationId,
          role,
        });
      } else if (e.payload.customer !== undefined && !answers.has(i)) {
        pending.push({ i, vehicleId, role: role ?? null });
      }
    }
    await this.links.linkMany(manager, links);
    await parkVehicles(manager, pending);
    await this.visits.recordMany(
      manager,
      bookings.map(({ i, e }) => {
        const p = e.payload;
        const customerId = answers.get(i) ?? null;
        return {
          i,
          facts: {
            ...visitFacts(i, p.bookingId, p.stationId),
            booking: {
              kind: p.kind ?? 'booking',
              channel: p.channel ?? 'online_booking',
              notes: p.notes ?? null,
              specialRequests: p.specialRequests ?? null,
              prepaidMinor: p.prepaid?.amountMinor ?? null,
              prepaidCurrency: p.prepaid?.currency ?? null,
            },
            schedule: { at: p.scheduledAt, eventAt: e.occurredAt },
            customerId,
            vehicleId: vehicleOf.get(i) ?? null,
            contactEventId: p.customer !== undefined && !answers.has(i) ? i.eventId : null,
          },
        };
      }),
    );
  }

  rescheduled(i: Intake, e: TypedEvent<typeof PARTNER_BOOKING_RESCHEDULED_V1>): Promise<void> {
    const p = e.payload;
    return this.visits.record(i, {
      ...visitFacts(i, p.bookingId, p.stationId),
      schedule: { at: p.scheduledAt, eventAt: e.occurredAt },
    });
  }

  /** A booking's status as the booking system set it (cancelled, no-show), at the event's time. */
  statusSet(
    i: Intake,
    booking: { bookingId: string; stationId: string },
    value: VisitStatus,
    reason: string | null,
  ): Promise<void> {
    return this.visits.record(i, {
      ...visitFacts(i, booking.bookingId, booking.stationId),
      status: { value, eventAt: i.occurredAt, reason },
    });
  }
}
