import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CONTACT_RESOLVED_V1,
  PARTNER_BOOKING_CANCELLED_V1,
  PARTNER_BOOKING_CREATED_V1,
  PARTNER_BOOKING_RESCHEDULED_V1,
  PARTNER_CUSTOMER_SUBMITTED_V1,
  PARTNER_SALE_COMPLETED_V1,
  PARTNER_WORK_COMPLETED_V1,
  VISIT_RECORDED_V1,
  VISIT_UPDATED_V1,
  type ContactResolvedV1,
  type PartnerVehicle,
} from '@kanta/contracts';
import { EventConsumer, Outbox, type TypedEvent } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import { KnownCustomers } from '../known-customers/known-customers';
import { saleEvent } from '../sales/sales.service';
import { SalesRepository } from '../sales/sales.repository';
import { VehiclesService } from '../vehicles/vehicles.service';
import { visitEvent } from '../visits/visit-view';
import { VISIT_COLUMNS, type VisitRow } from '../visits/visits.repository';
import { PartnerVisitsRepository, type PartnerVisitFacts } from './partner-visits.repository';

/** The parts of a partner event every handler reads. */
interface Intake {
  manager: EntityManager;
  tenantId: string;
  eventId: string;
  source: string;
  occurredAt: string;
  correlationId: string | null;
}

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
    private readonly visits: PartnerVisitsRepository,
    private readonly sales: SalesRepository,
    private readonly vehicles: VehiclesService,
    private readonly customers: KnownCustomers,
    private readonly outbox: Outbox,
  ) {}

  onModuleInit(): void {
    const intake = <
      T extends {
        tenantId: string | null;
        eventId: string;
        producer: string;
        occurredAt: string;
        correlationId: string | null;
      },
    >(
      event: T,
      manager: EntityManager,
    ): Intake => ({
      manager,
      tenantId: event.tenantId!,
      eventId: event.eventId,
      source: event.producer,
      occurredAt: event.occurredAt,
      correlationId: event.correlationId,
    });
    this.events
      .on(PARTNER_BOOKING_CREATED_V1, (e, { manager }) =>
        this.bookingCreated(intake(e, manager), e),
      )
      .on(PARTNER_BOOKING_RESCHEDULED_V1, (e, { manager }) => {
        const p = e.payload;
        return this.visit(intake(e, manager), {
          ...this.facts(intake(e, manager), p.bookingId, p.stationId),
          schedule: { at: p.scheduledAt, eventAt: e.occurredAt },
        });
      })
      .on(PARTNER_BOOKING_CANCELLED_V1, (e, { manager }) =>
        this.visit(intake(e, manager), {
          ...this.facts(intake(e, manager), e.payload.bookingId, e.payload.stationId),
          status: { value: 'cancelled', eventAt: e.occurredAt },
        }),
      )
      .on(PARTNER_WORK_COMPLETED_V1, (e, { manager }) => this.workCompleted(intake(e, manager), e))
      .on(PARTNER_SALE_COMPLETED_V1, (e, { manager }) => this.saleCompleted(intake(e, manager), e))
      .on(PARTNER_CUSTOMER_SUBMITTED_V1, async (e, { manager }) => {
        const i = intake(e, manager);
        const customerId = await this.contact(i, true);
        if (e.payload.vehicle) await this.vehicle(i, e.payload.vehicle, customerId, true);
      })
      .on(CONTACT_RESOLVED_V1, (e, { manager }) =>
        this.contactResolved(intake(e, manager), e.payload),
      );
  }

  private async bookingCreated(
    i: Intake,
    e: TypedEvent<typeof PARTNER_BOOKING_CREATED_V1>,
  ): Promise<void> {
    const p = e.payload;
    await this.visit(i, {
      ...this.facts(i, p.bookingId, p.stationId),
      booking: {
        kind: p.kind ?? 'booking',
        channel: p.channel ?? 'online_booking',
        notes: p.notes ?? null,
        specialRequests: p.specialRequests ?? null,
        prepaidMinor: p.prepaid?.amountMinor ?? null,
        prepaidCurrency: p.prepaid?.currency ?? null,
      },
      schedule: { at: p.scheduledAt, eventAt: e.occurredAt },
      ...(await this.parties(i, p.customer !== undefined, p.vehicle)),
    });
  }

  private async workCompleted(
    i: Intake,
    e: TypedEvent<typeof PARTNER_WORK_COMPLETED_V1>,
  ): Promise<void> {
    const p = e.payload;
    const facts = this.facts(i, p.bookingId ?? p.workOrderId, p.stationId);
    await this.visit(i, {
      ...facts,
      placeholder: { kind: p.kind, channel: 'dms', at: p.completedAt },
      status: { value: 'completed', eventAt: e.occurredAt },
      partnerLink: p.link ?? null,
      ...(await this.parties(i, p.customer !== undefined, p.vehicle)),
    });
  }

  private async saleCompleted(
    i: Intake,
    e: TypedEvent<typeof PARTNER_SALE_COMPLETED_V1>,
  ): Promise<void> {
    const p = e.payload;
    const customerId = await this.contact(i, p.customer !== undefined);
    if (p.bookingId) await lock(i, `booking:${p.bookingId}`);
    const visit = p.bookingId
      ? (
          await i.manager.query<{ id: string }[]>(
            'SELECT id FROM vehicles.visits WHERE tenant_id = $1 AND external_id = $2',
            [i.tenantId, p.bookingId],
          )
        )[0]
      : undefined;
    // The same receipt sent again (even as a new event) is recorded once.
    const row = await this.sales.insert(
      i.manager,
      i.tenantId,
      {
        id: uuidv7(),
        station_id: p.stationId,
        customer_id: customerId,
        visit_id: visit?.id ?? null,
        booking_ref: visit ? null : (p.bookingId ?? null),
        receipt_number: p.receiptNumber,
        receipt_url: p.receiptUrl ?? null,
        sold_at: p.soldAt,
        currency: p.currency,
        total_minor: p.totalMinor,
        lines: p.lines,
        source: i.source,
        contact_event_id: p.customer && customerId === null ? i.eventId : null,
      },
      true,
    );
    if (row) await this.outbox.enqueue(i.manager, [saleEvent(i.tenantId, row, i.correlationId)]);
  }

  /** The customer (if already resolved), the vehicle, and the contact still to be resolved. */
  private async parties(
    i: Intake,
    hasContact: boolean,
    vehicle: PartnerVehicle | undefined,
  ): Promise<Pick<PartnerVisitFacts, 'customerId' | 'vehicleId' | 'contactEventId'>> {
    const customerId = await this.contact(i, hasContact);
    const vehicleId = vehicle ? await this.vehicle(i, vehicle, customerId, hasContact) : null;
    return {
      customerId,
      vehicleId,
      contactEventId: hasContact && customerId === null ? i.eventId : null,
    };
  }

  /** The visit facts every visit event shares; the handler adds what its event says. */
  private facts(i: Intake, externalId: string, stationId: string): PartnerVisitFacts {
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

  private async visit(i: Intake, facts: PartnerVisitFacts): Promise<void> {
    // A sale of this booking handled at the same moment either sees the visit or is seen by it.
    await lock(i, `booking:${facts.externalId}`);
    const { row, inserted } = await this.visits.upsert(i.manager, i.tenantId, facts);
    await this.visits.attachWaitingSales(i.manager, i.tenantId, row);
    await this.outbox.enqueue(i.manager, [
      visitEvent(inserted ? VISIT_RECORDED_V1 : VISIT_UPDATED_V1, i.tenantId, row, i.correlationId),
    ]);
  }

  /**
   * The customer this event's contact details resolved to, if that answer is already here (else
   * null, and the answer attaches the customer when it comes). Takes the event's lock first.
   */
  private async contact(i: Intake, hasContact: boolean): Promise<string | null> {
    if (!hasContact) return null;
    await lockPartnerEvent(i);
    const rows = await i.manager.query<{ customer_id: string | null }[]>(
      `SELECT customer_id FROM vehicles.contact_resolutions
        WHERE tenant_id = $1 AND partner_event_id = $2`,
      [i.tenantId, i.eventId],
    );
    return rows[0]?.customer_id ?? null;
  }

  /** The vehicle found or created; linked to the customer now, or when the answer comes. */
  private async vehicle(
    i: Intake,
    vehicle: PartnerVehicle,
    customerId: string | null,
    hasContact: boolean,
  ): Promise<string> {
    const vehicleId = await this.vehicles.fromPartner(
      i.manager,
      i.tenantId,
      vehicle,
      i.occurredAt,
      i.correlationId,
    );
    if (customerId) {
      await this.vehicles.linkFromPartner(
        i.manager,
        i.tenantId,
        vehicleId,
        customerId,
        i.correlationId,
      );
    } else if (hasContact) {
      await i.manager.query(
        `INSERT INTO vehicles.pending_vehicle_links (tenant_id, partner_event_id, vehicle_id)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [i.tenantId, i.eventId, vehicleId],
      );
    }
    return vehicleId;
  }

  /** The customers service's answer: attach the customer to whatever the partner event made. */
  private async contactResolved(i: Intake, r: ContactResolvedV1): Promise<void> {
    const at: Intake = { ...i, eventId: r.partnerEventId };
    await lockPartnerEvent(at);
    await i.manager.query(
      `INSERT INTO vehicles.contact_resolutions (tenant_id, partner_event_id, customer_id)
       VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [i.tenantId, r.partnerEventId, r.customerId],
    );
    if (r.customerId === null) return;
    // Known at once: the customer's own created event may still be on its way.
    await this.customers.remember(i.manager, i.tenantId, {
      customerId: r.customerId,
      stationIds: r.stationIds,
      status: 'active',
      version: 0,
    });
    const [visits] = await i.manager.query<[VisitRow[], number]>(
      `UPDATE vehicles.visits SET customer_id = $3, version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND contact_event_id = $2 AND customer_id IS NULL
        RETURNING ${VISIT_COLUMNS}`,
      [i.tenantId, r.partnerEventId, r.customerId],
    );
    await i.manager.query(
      `UPDATE vehicles.sales SET customer_id = $3
        WHERE tenant_id = $1 AND contact_event_id = $2 AND customer_id IS NULL`,
      [i.tenantId, r.partnerEventId, r.customerId],
    );
    const [pending] = await i.manager.query<[{ vehicle_id: string }[], number]>(
      `DELETE FROM vehicles.pending_vehicle_links WHERE tenant_id = $1 AND partner_event_id = $2
       RETURNING vehicle_id`,
      [i.tenantId, r.partnerEventId],
    );
    for (const { vehicle_id } of pending) {
      await this.vehicles.linkFromPartner(
        i.manager,
        i.tenantId,
        vehicle_id,
        r.customerId,
        i.correlationId,
      );
    }
    await this.outbox.enqueue(
      i.manager,
      visits.map((row) => visitEvent(VISIT_UPDATED_V1, i.tenantId, row, i.correlationId)),
    );
  }
}

/** One partner event's intake and its contact answer never run at the same time. */
function lockPartnerEvent(i: Intake): Promise<void> {
  return lock(i, `partner-event:${i.eventId}`);
}

/** A transaction lock on one thing of the tenant (a partner event, a booking, a plate). */
export async function lock(i: Pick<Intake, 'manager' | 'tenantId'>, what: string): Promise<void> {
  await i.manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `vehicles:${i.tenantId}:${what}`,
  ]);
}
