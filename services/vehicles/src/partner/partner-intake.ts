import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  CONTACT_RESOLVED_V1,
  PARTNER_BOOKING_CANCELLED_V1,
  PARTNER_BOOKING_CREATED_V1,
  PARTNER_BOOKING_NO_SHOW_V1,
  PARTNER_BOOKING_RESCHEDULED_V1,
  PARTNER_CUSTOMER_SUBMITTED_V1,
  PARTNER_SALE_COMPLETED_V1,
  PARTNER_WORK_COMPLETED_V1,
} from '@kanta/contracts';
import { EventConsumer, KnownStations } from '@kanta/messaging';
import { PartnerBookings } from './bookings';
import { CustomerCheckIns } from './check-ins';
import { CompletedWork } from './completed-work';
import { ContactResolution } from './contact-resolution';
import { intakeOf, rounds } from './intake';
import { PartnerReceipts } from './receipts';

/**
 * Records what partner systems report — bookings, their changes, completed inspections and work
 * orders, receipts, kiosk and check-in submissions — with the partner's references, and finds or
 * creates the vehicles they name. Which customer the contact details belong to is the customers
 * service's answer (`customers.contact.resolved.v1`), which may arrive before or after the
 * partner event: whichever comes second attaches the customer. Both run under one advisory lock
 * per partner event, so neither misses the other. Every handler runs in the inbox transaction:
 * a partner event delivered twice has its effect once.
 */
@Injectable()
export class PartnerIntake implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly stations: KnownStations,
    private readonly bookings: PartnerBookings,
    private readonly completedWork: CompletedWork,
    private readonly receipts: PartnerReceipts,
    private readonly checkIns: CustomerCheckIns,
    private readonly contactResolution: ContactResolution,
  ) {}

  onModuleInit(): void {
    this.stations.register(this.events);
    this.events
      .onBatch(PARTNER_BOOKING_CREATED_V1, async (events, { manager }) => {
        // A statement writes a visit once: a booking named twice waits for the next round.
        for (const round of rounds(events, (e) => `${e.tenantId}:${e.payload.bookingId}`)) {
          await this.bookings.created(
            round.map((e) => ({ i: intakeOf(e, manager), e })),
            manager,
          );
        }
      })
      .on(PARTNER_BOOKING_RESCHEDULED_V1, (e, { manager }) =>
        this.bookings.rescheduled(intakeOf(e, manager), e),
      )
      .on(PARTNER_BOOKING_CANCELLED_V1, (e, { manager }) =>
        this.bookings.statusSet(
          intakeOf(e, manager),
          e.payload,
          'cancelled',
          e.payload.reason ?? null,
        ),
      )
      .on(PARTNER_BOOKING_NO_SHOW_V1, (e, { manager }) =>
        this.bookings.statusSet(intakeOf(e, manager), e.payload, 'no_show', null),
      )
      .on(PARTNER_WORK_COMPLETED_V1, (e, { manager }) =>
        this.completedWork.record(intakeOf(e, manager), e),
      )
      .on(PARTNER_SALE_COMPLETED_V1, (e, { manager }) =>
        this.receipts.record(intakeOf(e, manager), e),
      )
      .on(PARTNER_CUSTOMER_SUBMITTED_V1, (e, { manager }) =>
        this.checkIns.record(intakeOf(e, manager), e),
      )
      .onBatch(CONTACT_RESOLVED_V1, async (events, { manager }) => {
        // An answer updates what its partner event made: twice in one statement it cannot.
        for (const round of rounds(events, (e) => `${e.tenantId}:${e.payload.partnerEventId}`)) {
          await this.contactResolution.resolve(
            round.map((e) => ({ i: intakeOf(e, manager), r: e.payload })),
          );
        }
      });
  }
}
